// With ZooKeeper gone, a lease's release returns within the documented bound (RELEASE_BOUND_MS)
// instead of retrying its delete for minutes; the node goes later, by the background job on
// reconnect to the same session, or with the session. And a lease's signal says why it ended.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientClosedError, createClient, SessionExpiredError } from '@zk-recipes/core';
import { LeaseLostError, Mutex, Semaphore } from '@zk-recipes/lock';
import { expireSession, TestingServer, TestRoot, timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { ephemeralsUnder, returnsWithinBound, untilState } from '../support/shutdown.js';

let server: TestingServer;
before(async () => {
  server = await TestingServer.start({ tickTimeMs: 200 });
});
after(async () => {
  await server?.close();
});

test('while SUSPENDED, Mutex and Semaphore releases return within the bound; the background deletes their nodes once the server is back', async () => {
  await using root = await TestRoot.create(server);
  // A session that outlives the server's restart, so the client comes back to it.
  await using client = createClient({
    connectString: server.connectString,
    sessionTimeoutMs: 30_000,
  });
  await client.start();
  const mutexLease = await new Mutex(client, root.child('mutex')).acquire();
  const semaphoreLease = await new Semaphore(client, root.child('semaphore'), {
    maxLeases: 2,
  }).acquire();
  const sessionId = client.session!.sessionId;
  assert.equal((await ephemeralsUnder(server, root.path)).length, 2);
  await server.stop();
  await untilState(client, 'SUSPENDED');
  await returnsWithinBound('Mutex lease.release()', () => mutexLease.release());
  await returnsWithinBound('Semaphore lease.release()', () => semaphoreLease.release());
  assert.equal(client.pendingBackgroundJobs, 2, 'both deletes were handed to the background');
  const reason = mutexLease.signal.reason as LeaseLostError;
  assert.ok(reason instanceof LeaseLostError);
  assert.equal(reason.why, 'connection', 'the hold was lost (SUSPENDED) before the release');
  await server.restart();
  await untilState(client, 'RECONNECTED');
  assert.equal(client.session!.sessionId, sessionId, 'the same session came back');
  await timing.waitFor(async () => (await ephemeralsUnder(server, root.path)).length === 0, {
    message: 'the background job to delete both nodes',
  });
  assert.equal(client.session!.sessionId, sessionId, 'deleted while the session lives on');
  await timing.waitFor(() => client.pendingBackgroundJobs === 0, { message: 'no job left' });
});

test('after LOST, Mutex and Semaphore releases return at once: their nodes went with the session', async () => {
  await using root = await TestRoot.create(server);
  await using client = createClient({
    connectString: server.connectString,
    sessionTimeoutMs: 1500,
  });
  await client.start();
  const mutexLease = await new Mutex(client, root.child('mutex')).acquire();
  const semaphoreLease = await new Semaphore(client, root.child('semaphore'), {
    maxLeases: 2,
  }).acquire();
  await server.stop();
  await untilState(client, 'LOST');
  await returnsWithinBound('Mutex lease.release()', () => mutexLease.release());
  await returnsWithinBound('Semaphore lease.release()', () => semaphoreLease.release());
  await server.restart();
  await timing.waitFor(async () => (await ephemeralsUnder(server, root.path)).length === 0, {
    message: 'the server to expire the old session and its nodes',
  });
  await timing.waitFor(() => client.pendingBackgroundJobs === 0, { message: 'no job left' });
});

test('an acquire aborted while ZooKeeper is gone rejects at once, and its create never goes out', async () => {
  await using root = await TestRoot.create(server);
  await using client = createClient({
    connectString: server.connectString,
    sessionTimeoutMs: 30_000,
  });
  await client.start();
  const sessionId = client.session!.sessionId;
  await server.stop();
  await untilState(client, 'SUSPENDED');
  const shutdown = new AbortController();
  const acquiring = new Mutex(client, root.child('lock')).acquire({ signal: shutdown.signal });
  await timing.sleep(200); // its create waits in the queue for a reconnect
  shutdown.abort(new Error('shutting down'));
  await returnsWithinBound('the aborted acquire', () => assert.rejects(acquiring, /shutting down/));
  await server.restart();
  await untilState(client, 'RECONNECTED');
  assert.equal(client.session!.sessionId, sessionId, 'the same session came back');
  await timing.sleep(500); // what was queued has gone out by now
  assert.deepEqual(await ephemeralsUnder(server, root.path), [], 'no lock node was made');
});

test("a lease's signal aborts with a LeaseLostError whose why says how it ended", async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 6000 }, { sessionTimeoutMs: 6000, errorPolicy: 'session' }],
  });
  const { root, proxy } = fx;
  const [standard, lenient] = fx.clients;
  const check = (signal: AbortSignal, why: string, cause?: new () => Error) => {
    const r = signal.reason as LeaseLostError;
    assert.ok(r instanceof LeaseLostError, `${why}: a LeaseLostError, not ${String(r)}`);
    assert.equal(r.code, 'LEASE_LOST');
    assert.equal(r.why, why);
    if (cause) assert.ok(r.cause instanceof cause, `${why}: its cause`);
  };

  const released = await new Mutex(standard.client, root.child('a')).acquire();
  await released.release();
  check(released.signal, 'released');
  assert.equal((released.signal.reason as LeaseLostError).path, root.child('a'));

  const suspended = await new Mutex(standard.client, root.child('b')).acquire();
  const suspendedSignal = suspended.signal; // read before: it aborts as the connection goes
  proxy.closeAll();
  await timing.waitFor(() => suspendedSignal.aborted, { message: 'SUSPENDED to end the lease' });
  check(suspendedSignal, 'connection');
  await untilState(standard.client, 'RECONNECTED');
  await suspended.release();

  const lost = await new Mutex(lenient.client, root.child('c')).acquire();
  await expireSession(lenient.client, server);
  await timing.waitFor(() => lost.signal.aborted, { message: 'LOST to end the lease' });
  check(lost.signal, 'session', SessionExpiredError);
  await lost.release();

  await timing.waitFor(() => lenient.client.state === 'RECONNECTED', { message: 'a new session' });
  const closed = await new Mutex(lenient.client, root.child('d')).acquire();
  const closedSignal = closed.signal;
  await lenient.client.close();
  check(closedSignal, 'closed', ClientClosedError);
  await closed.release();
});
