// The kit's KeptNode (the one node-keeping mechanism: group's PersistentNode and
// PersistentTtlNode and discovery's registrations are made of it) against a real server: each of
// its rules, and one listener per client for the cache engine's connection states.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataTooLargeError, digestAcl, NoAuthError } from '@zk-recipes/core';
import {
  CacheEngine,
  KeptNode,
  NodeConflictError,
  RELEASE_BOUND_MS,
} from '@zk-recipes/core/recipe';
import { childrenOf, expireSession, FaultProxy, TestRoot, timing } from '@zk-recipes/testing';
import { eventually, startedClient, waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200, containerCheckIntervalMs: 100 });
const buf = (s: string) => Buffer.from(s);

test('KeptNode: a plain reconnect sends nothing; after a new session only the missing node is created and only differing data rewritten; a sequential node is kept by its real path, one node only', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 4000,
  });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const eph = new KeptNode(c.client, root.child('a/eph'), { data: buf('e') });
    const seq = new KeptNode(c.client, root.child('a/seq-'), {
      mode: 'EPHEMERAL_SEQUENTIAL',
      data: buf('s'),
    });
    const same = new KeptNode(c.client, root.child('a/same'), {
      mode: 'PERSISTENT',
      data: buf('p'),
    });
    const changed = new KeptNode(c.client, root.child('a/changed'), {
      mode: 'PERSISTENT',
      data: buf('ours'),
    });
    const nodes = [eph, seq, same, changed];
    for (const n of nodes) await n.start({ timeoutMs: 5000 });
    assert.match(seq.nodePath!, /\/seq-\d{10}$/);
    // The parent is a container, as Curator makes it.
    assert.equal((await admin.client.exists(root.child('a')))!.ephemeralOwner, 0n);

    const writes = () => proxy.requestCount('create') + proxy.requestCount('setData');
    const sent = writes();
    const stats = async () =>
      Promise.all(
        (await childrenOf(server, root.child('a')))
          .sort()
          .map(async (k) => `${k}:${(await admin.client.exists(root.child(`a/${k}`)))!.mzxid}`),
      );
    const before = await stats();
    const reconnects = c.states().filter((s) => s === 'RECONNECTED').length;
    proxy.closeAll();
    await eventually(
      () => c.states().filter((s) => s === 'RECONNECTED').length > reconnects,
      5000,
      'reconnected',
    );
    await new Promise((r) => setTimeout(r, 100)); // a write would be under way by now
    assert.equal(writes(), sent, 'no create or setData on a plain reconnect');
    assert.deepEqual(await stats(), before);

    const sameBefore = (await admin.client.exists(root.child('a/same')))!;
    const old = c.client.session!.sessionId;
    await expireSession(c.client, server);
    await admin.client.setData(root.child('a/changed'), 'theirs');
    await waitForNewSession(c.client, old);
    const session = c.client.session!.sessionId;
    await eventually(
      async () =>
        (await admin.client.exists(root.child('a/eph')))?.ephemeralOwner === session &&
        (await admin.client.getData(root.child('a/changed'))).data.toString() === 'ours' &&
        (await childrenOf(server, root.child('a'))).some((k) => k.startsWith('seq-')),
      timing.ms(3000),
      'back after the new session',
    );
    const kids = await childrenOf(server, root.child('a'));
    assert.equal(kids.filter((k) => k.startsWith('seq-')).length, 1, 'one sequential node');
    assert.equal(seq.nodePath, root.child(`a/${kids.find((k) => k.startsWith('seq-'))!}`));
    const sameAfter = (await admin.client.exists(root.child('a/same')))!;
    assert.equal(sameAfter.mzxid, sameBefore.mzxid, 'equal data is not rewritten');
    for (const n of nodes) await n.close();
    assert.deepEqual(await childrenOf(server, root.child('a')), []);
  } finally {
    await root.remove();
  }
});

test("KeptNode: another session's node is a NodeConflictError, untouched, and ours is placed once it goes; a sequential create whose reply is lost leaves one node; an abandoned one leaves none", async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  await using other = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('taken');
    await other.client.create(path, 'theirs', { mode: 'EPHEMERAL' });
    const node = new KeptNode(c.client, path, { data: buf('ours') });
    await assert.rejects(
      node.start(),
      (e) => e instanceof NodeConflictError && e.owner === other.client.session!.sessionId,
    );
    assert.equal((await other.client.getData(path)).data.toString(), 'theirs');
    // Not placed: data over the packet limit is refused all the same, the data kept unchanged
    // (it was kept, and every create after failed with DataTooLargeError).
    await assert.rejects(node.setData(Buffer.alloc(2 * 1024 * 1024)), DataTooLargeError);
    assert.equal(node.getData().toString(), 'ours');
    await other.client.delete(path);
    assert.equal(await node.waitForPlaced({ timeoutMs: 5000 }), true);
    assert.equal((await other.client.getData(path)).data.toString(), 'ours');
    await node.close();

    // The create's reply is lost (the connection cut after the server made the node): the
    // node is found by name and owner, not made twice.
    const seqParent = root.child('seq');
    const dropped = proxy.dropNextReply({ op: 'create', path: /\/s-$/ });
    const seq = new KeptNode(c.client, `${seqParent}/s-`, { mode: 'EPHEMERAL_SEQUENTIAL' });
    await seq.start({ timeoutMs: 10_000 });
    await dropped;
    assert.deepEqual(await childrenOf(server, seqParent), [seq.nodePath!.slice(-12)]);
    await seq.close();
    assert.deepEqual(await childrenOf(server, seqParent), []);

    // Given up while its create is in flight (reply lost, caller's timeout): closed, the
    // client's background job deletes the node the create made.
    proxy.setLatency(400);
    const late = new KeptNode(c.client, `${seqParent}/late-`, { mode: 'EPHEMERAL_SEQUENTIAL' });
    await assert.rejects(late.start({ timeoutMs: 100 }));
    await late.close();
    proxy.setLatency(0);
    await eventually(
      async () => (await childrenOf(server, seqParent)).length === 0,
      timing.ms(5000),
      'the abandoned node deleted',
    );
  } finally {
    await root.remove();
  }
});

test('KeptNode: its ACL is the one given (NOAUTH for others); a container with children made in one transaction; close returns within the release bound with ZooKeeper unreachable, and a persistent node is deleted once it is back', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 2000,
    auth: [{ scheme: 'digest', credentials: 'kit:s3cret' }],
  });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const secret = new KeptNode(c.client, root.child('secret'), {
      mode: 'PERSISTENT',
      data: buf('x'),
      acl: [digestAcl('kit', 's3cret')],
    });
    await secret.start();
    await assert.rejects(admin.client.getData(root.child('secret')), NoAuthError);
    await secret.close();

    const box = new KeptNode(c.client, root.child('box'), {
      mode: 'CONTAINER',
      data: buf('d'),
      children: (p) => [{ op: 'create', path: `${p}/child`, data: 'c' }],
    });
    await box.start();
    assert.deepEqual(await childrenOf(server, root.child('box')), ['child']);
    // Reaped by the server once empty: made again with its child.
    await admin.client.delete(root.child('box/child'));
    await eventually(
      async () =>
        (await childrenOf(server, root.child('box')).catch(() => [] as string[])).includes('child'),
      timing.ms(5000),
      'container made again with its child',
    );
    await box.close();

    const kept = new KeptNode(c.client, root.child('kept'), { mode: 'PERSISTENT' });
    await kept.start();
    proxy.partition();
    await eventually(() => c.client.state === 'SUSPENDED', 10_000, 'suspended');
    const began = Date.now();
    await kept.close();
    const took = Date.now() - began;
    assert.ok(took <= RELEASE_BOUND_MS + timing.ms(500), `close took ${took} ms`);
    // The session expires during the partition: the guaranteed delete still happens, on the
    // next session.
    await expireSession(c.client, server).catch(() => undefined); // (or expired by itself)
    proxy.heal();
    await eventually(
      async () => (await admin.client.exists(root.child('kept'))) === null,
      timing.ms(10_000),
      'the persistent node deleted after the heal (a new session)',
    );
  } finally {
    await root.remove();
  }
});

test('KeptNode: close() returns within one release bound from its call even with a request in flight on a silent connection (the bound used to start after it: twice the bound and more); the nodes are deleted once ZooKeeper answers, and at once when it does', async (t) => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  // A session timeout long enough that the silent connection is not noticed during the close.
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 6000,
  });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const started = async (name: string, mode: 'EPHEMERAL' | 'PERSISTENT') => {
      const n = new KeptNode(c.client, root.child(name), { mode, data: buf('a') });
      await n.start({ timeoutMs: 5000 });
      return n;
    };
    // ZooKeeper answers, slowly: the write in flight, then the delete, within the bound.
    const slow = await started('slow', 'PERSISTENT');
    proxy.setLatency(150);
    const slowWrite = slow.setData(buf('b'));
    await slow.close();
    await slowWrite;
    proxy.setLatency(0);
    assert.equal(
      await admin.client.exists(root.child('slow')),
      null,
      'deleted before close returned',
    );

    // Silent: each close waits for its write in flight and its delete, all within one bound.
    const eph = await started('eph', 'EPHEMERAL');
    const per = await started('per', 'PERSISTENT');
    proxy.partition();
    const writes = [eph, per].map((n) => n.setData(buf('c')).catch(() => undefined));
    const took = await Promise.all(
      [eph, per].map(async (n) => {
        const began = performance.now();
        await n.close();
        return Math.round(performance.now() - began);
      }),
    );
    t.diagnostic(`close took ${took.join(' and ')} ms (ephemeral, persistent)`);
    for (const [i, what] of ['ephemeral', 'persistent'].entries()) {
      assert.ok(took[i]! <= RELEASE_BOUND_MS + timing.ms(500), `${what}: close took ${took[i]} ms`);
    }
    proxy.heal();
    await Promise.all(writes);
    await eventually(
      async () =>
        (await admin.client.exists(root.child('eph'))) === null &&
        (await admin.client.exists(root.child('per'))) === null,
      timing.ms(10_000),
      'both deleted once ZooKeeper answers',
    );
  } finally {
    await root.remove();
  }
});

test('60 cache engines on one client: one connection-state listener, no process warning (MaxListenersExceededWarning)', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const engines: CacheEngine[] = [];
  try {
    for (let i = 0; i < 60; i++) {
      const e = new CacheEngine(c.client, root.child(`s${i}`), { scope: 'children' });
      engines.push(e);
      await e.start();
    }
    await Promise.all(engines.map((e) => e.ready({ timeoutMs: 10_000 })));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      warnings.map((w) => `${w.name}: ${w.message}`),
      [],
    );
  } finally {
    process.off('warning', onWarning);
    await Promise.all(engines.map((e) => e.close()));
    await root.remove();
  }
});
