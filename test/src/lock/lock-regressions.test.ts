// Named regressions from real lock bugs (docs/failure-modes.md), each against a real server
// and a real fault.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConnectionLossError,
  noRetry,
  retryNTimes,
  ZkRecipesError,
  type ZkClient,
} from '@zk-recipes/core';
import { Mutex, ReadWriteLock, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  FaultProxy,
  TestRoot,
  WireClient,
  timing,
} from '@zk-recipes/testing';
import { lostReplyClients, settledWithin, waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

async function stat(path: string) {
  const c = await WireClient.connect({ connectString: server.connectString });
  try {
    return await c.exists(path);
  } finally {
    await c.closeSession();
  }
}

test('release failing on connection loss does not block later acquires in this process or another (CURATOR-678)', async () => {
  // No retries and a short deadline, so the delete of the release fails at once.
  await using fx = await proxiedClients(server, {
    clients: [
      { sessionTimeoutMs: 8000, requestTimeoutMs: 500, retryPolicy: noRetry },
      { direct: true },
    ],
  });
  const { root, proxy } = fx;
  const [a, b] = fx.clients;
  const path = root.child('lock');
  const first = await new Mutex(a.client, path).acquire();
  proxy.partition();
  await first.release(); // resolves: the delete goes on in the background
  assert.equal(first.released, true);
  assert.ok(await stat(first.nodePath), 'the release could not delete the node');
  assert.ok(a.client.pendingBackgroundJobs > 0, 'the delete is deferred, not forgotten');
  const other = new Mutex(b.client, path).acquire({ timeoutMs: timing.ms(15_000) });
  // The delete held by the partition never arrives: the connection is cut, then the network heals.
  proxy.closeAll();
  proxy.heal();
  const otherLease = await other; // the node went: the background delete did it
  assert.equal(await stat(first.nodePath), null);
  assert.ok(otherLease.fencingToken > first.fencingToken);
  const again = new Mutex(a.client, path).acquire({ timeoutMs: timing.ms(15_000) });
  assert.equal(await settledWithin(again, 100), false, 'waits for the other process');
  await otherLease.release();
  const againLease = await again; // the local queue moved on after the failed release
  await againLease.release();
  await timing.waitFor(() => a.client.pendingBackgroundJobs === 0, { message: 'jobs done' });
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('a read-write lock whose nodes are gone across a connection loss fails with a typed error, then acquires cleanly (CURATOR-307)', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ direct: true }, { sessionTimeoutMs: 8000 }],
  });
  const { root, proxy } = fx;
  const [w, r] = fx.clients;
  const path = root.child('rw');
  const writer = await new ReadWriteLock(w.client, path).writeLock().acquire();
  const rw = new ReadWriteLock(r.client, path);
  const reading = rw.readLock().acquire(); // waits for the writer
  await timing.waitFor(async () => (await childrenOf(server, path)).length === 2);
  const writing = rw.writeLock().acquire(); // waits for the reader before it
  await timing.waitFor(async () => (await childrenOf(server, path)).length === 3);
  const errors = [reading, writing].map((p) =>
    p.then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
  // Both waiting nodes disappear (an operator, a session's end), then the connection drops.
  const admin = await WireClient.connect({ connectString: server.connectString });
  const names = await admin.getChildren(path);
  for (const n of names
    .filter((x) => !writer.nodePath.endsWith(`/${x}`))
    .sort()
    .reverse()) {
    await admin.delete(`${path}/${n}`);
  }
  await admin.closeSession();
  proxy.closeAll();
  await writer.release();
  for (const e of await Promise.all(errors)) {
    assert.ok(e instanceof ZkRecipesError, `a typed error, not ${String(e)}`);
  }
  // The same client takes both sides again, cleanly.
  await timing.waitFor(() => r.client.state === 'RECONNECTED', { message: 'reconnected' });
  const write = await rw.writeLock().acquire({ timeoutMs: timing.ms(5000) });
  await write.release();
  const read = await rw.readLock().acquire({ timeoutMs: timing.ms(5000) });
  await read.release();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

/**
 * Cuts `client` off behind `proxy` and keeps its session alive on the server from another
 * connection (as a server keeps a silent session until its timeout), until the client has
 * declared it LOST and runs on a new session. Returns the old session's keeper.
 */
async function replaceSession(client: ZkClient, proxy: FaultProxy): Promise<WireClient> {
  const old = client.sessionCredentials();
  proxy.rejectConnections();
  const keeper = await WireClient.connect({
    connectString: server.connectString,
    sessionId: old.sessionId,
    password: old.password,
    sessionTimeoutMs: client.session!.negotiatedTimeoutMs,
  });
  await timing.waitFor(() => client.state === 'LOST', { message: 'LOST' });
  proxy.heal();
  await waitForNewSession(client, old.sessionId);
  return keeper;
}

test("an acquire whose create is retried on a new session does not take the old session's node as its own (CURATOR-604, failure mode 5)", async () => {
  // The retry sleeps past the session's end, so it runs on the next session.
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 2000, retryPolicy: retryNTimes(2, 3500) }, { direct: true }],
  });
  const { root, proxy } = fx;
  const [c, d] = fx.clients;
  const path = root.child('lock');
  await c.client.ensurePath(path);
  const dropped = proxy.dropNextReply({ op: 'create', path: /lock-$/ });
  const acquiring = new Mutex(c.client, path).acquire({ timeoutMs: timing.ms(20_000) });
  await dropped; // the server made the node on the first session; the client never heard
  const oldSession = c.client.session!.sessionId;
  const replacing = replaceSession(c.client, proxy);
  const [oldName] = await childrenOf(server, path);
  assert.equal((await stat(`${path}/${oldName}`))?.ephemeralOwner, oldSession);
  const keeper = await replacing;
  const lease = await acquiring;
  assert.notEqual(lease.nodePath, `${path}/${oldName}`, "not the old session's node");
  const s = await stat(lease.nodePath);
  assert.equal(s?.ephemeralOwner, c.client.session!.sessionId, 'a node of the new session');
  assert.deepEqual(await childrenOf(server, path), [lease.nodePath.slice(path.length + 1)]);
  await keeper.closeSession(); // the old session ends: the lock is still held
  assert.equal(await new Mutex(d.client, path).tryAcquire(), undefined, 'no second holder');
  await lease.release();
  await assertNoLeftoverNodes(server, path);
});

test("after a new session, an acquire waits for the old session's node until the server removes it (failure mode 5)", async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 2000 }, { direct: true }],
  });
  const { root, proxy } = fx;
  const [c, d] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(c.client, path);
  const old: Lease = await mutex.acquire();
  let keeper: WireClient | undefined;
  const replaced = replaceSession(c.client, proxy).then((k) => (keeper = k));
  await timing.waitFor(() => old.signal.aborted, { message: 'the old lease is in doubt' });
  await old.release(); // as a holder should; the node cannot be deleted while cut off
  await replaced;
  // The old session's node may still be there, as on a server that has not expired it yet
  // (unless the client's background delete removed it, at any moment from now on, which is fine
  // too: then there is nothing to wait for). Wait for the new acquire's node.
  const oldName = old.nodePath.slice(old.nodePath.lastIndexOf('/') + 1);
  const next = mutex.acquire({ timeoutMs: timing.ms(20_000) });
  await timing.waitFor(async () => (await childrenOf(server, path)).some((n) => n !== oldName));
  const behind = new Mutex(d.client, path).acquire({ timeoutMs: timing.ms(20_000) });
  const early = await settledWithin(next, 500);
  if (await stat(old.nodePath)) assert.equal(early, false, 'granted while the old node is there');
  await keeper!.closeSession(); // the server removes the old session's node
  const lease = await next;
  assert.equal(await stat(old.nodePath), null);
  assert.equal((await stat(lease.nodePath))?.ephemeralOwner, c.client.session!.sessionId);
  assert.ok(lease.fencingToken > old.fencingToken);
  assert.equal(await settledWithin(behind, 100), false, 'one holder');
  await lease.release();
  await (await behind).release();
  await assertNoLeftoverNodes(server, path);
});

test("a local waiter queued behind a lease of a lost session is not handed that session's node (failure mode 5, CURATOR-604)", async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 2000 }, { direct: true }],
  });
  const { root, proxy } = fx;
  const [c, d] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(c.client, path);
  const old = await mutex.acquire();
  const waiter = mutex.acquire({ timeoutMs: timing.ms(20_000) }); // queued in this process
  const keeper = await replaceSession(c.client, proxy);
  assert.ok(await stat(old.nodePath), "the old session's node is still there");
  await old.release(); // on the new session, while the old session's node is alive
  const lease = await waiter;
  assert.notEqual(lease.nodePath, old.nodePath);
  assert.equal((await stat(lease.nodePath))?.ephemeralOwner, c.client.session!.sessionId);
  await keeper.closeSession(); // whatever the old session still had goes now
  assert.equal(await new Mutex(d.client, path).tryAcquire(), undefined, 'no second holder');
  await lease.release();
  const other = await new Mutex(d.client, path).acquire({ timeoutMs: timing.ms(5000) });
  await other.release();
  await assertNoLeftoverNodes(server, path);
});

test('a Mutex whose create reply is lost holds its one node, or leaves none when it gives up (failure mode 1)', async () => {
  await using root = await TestRoot.create(server);
  await using clients = await lostReplyClients(server);
  const { proxy, a, giveUp, b } = clients;
  const path = root.child('lock');
  await a.client.ensurePath(path); // so the create whose reply is lost does make the node
  const dropped = proxy.dropNextReply({ op: 'create', path: /lock-$/ });
  const lease = await new Mutex(a.client, path).acquire({ timeoutMs: timing.ms(10_000) });
  await dropped;
  assert.deepEqual(await childrenOf(server, path), [lease.nodePath.slice(path.length + 1)]);
  assert.equal(await new Mutex(b.client, path).tryAcquire(), undefined);
  await lease.release();

  // Without retries the acquire fails; the node the server made is removed in the background.
  void proxy.dropNextReply({ op: 'create', path: /lock-$/ });
  await assert.rejects(new Mutex(giveUp.client, path).acquire(), ConnectionLossError);
  const after = await new Mutex(b.client, path).acquire({ timeoutMs: timing.ms(10_000) });
  await after.release();
  await timing.waitFor(() => giveUp.client.pendingBackgroundJobs === 0, { message: 'jobs done' });
  await assertNoLeftoverNodes(server, path);
});
