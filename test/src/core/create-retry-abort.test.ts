// A create's signal reaches every request it sends, not only its first attempt. A create whose
// reply was lost with the connection was retried on the bare session: aborted while that retry
// waited for the reconnect, the call rejected at once but the retry went out afterwards and made
// the node behind the caller's back. The parents ensurePath makes went out likewise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryNTimes } from '@zk-recipes/core';
import { timing, type WireClient } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { onFreshSession, abortedWithinBound, untilState } from '../support/shutdown.js';

const server = sharedServer();

/** `fn` on another session, straight to the server (not through the proxy). */
const direct = <T>(fn: (c: WireClient) => Promise<T>): Promise<T> => onFreshSession(server, fn);

test("a create's retry queued while the connection is down is taken back when the signal aborts: it never goes out after the reconnect", async () => {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const {
    root,
    proxy,
    clients: [{ client }],
  } = fx;
  const x = root.child('x');
  const creates = proxy.requestCount('create2');
  // The first attempt reaches the server, its reply is lost with the connection, and the
  // connection stays down: the retry waits in the queue for a reconnect.
  const lost = proxy.dropNextReply({ op: 'create', path: x }).then(() => proxy.rejectConnections());
  const ac = new AbortController();
  const creating = client.create(x, 'x', { signal: ac.signal, retryPolicy: retryNTimes(5, 10) });
  await lost;
  await untilState(client, 'SUSPENDED');
  // The first attempt was applied; another session deletes its node meanwhile, so only a
  // repeat could make it again.
  assert.notEqual(await direct((c) => c.exists(x)), null, 'the first attempt was applied');
  await direct((c) => c.delete(x));
  await abortedWithinBound('an aborted create retry', ac, creating);
  proxy.heal();
  await untilState(client, 'RECONNECTED');
  await client.sync(root.path); // written behind anything queued during the outage
  assert.equal(proxy.requestCount('create2'), creates + 1, 'only the first attempt went out');
  assert.equal(await client.exists(x), null, 'no node was made after the abort');
});

/**
 * A protected ephemeral-sequential create (a lock's) whose first attempt was applied, its reply
 * lost, aborted while its retry waits for the reconnect; with `deletedMeanwhile`, another session
 * deletes that attempt's node during the outage, so that a repeat going out would make one anew.
 */
async function abortedProtectedRetry(deletedMeanwhile: boolean): Promise<void> {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const {
    root,
    proxy,
    clients: [{ client }],
  } = fx;
  const dir = root.child('q');
  await client.create(dir, '');
  const creates = proxy.requestCount('create2');
  const listings = proxy.requestCount('getChildren2');
  const lost = proxy
    .dropNextReply({ op: 'create', path: /\/q\/_c_/ })
    .then(() => proxy.rejectConnections());
  const ac = new AbortController();
  const creating = client.create(`${dir}/job-`, 'j', {
    mode: 'EPHEMERAL_SEQUENTIAL',
    protected: true,
    signal: ac.signal,
    retryPolicy: retryNTimes(5, 10),
  });
  await lost;
  await untilState(client, 'SUSPENDED');
  const made = await direct((c) => c.getChildren(dir));
  assert.equal(made.length, 1, 'the first attempt was applied');
  if (deletedMeanwhile) await direct((c) => c.delete(`${dir}/${made[0]}`));
  await abortedWithinBound('an aborted protected create retry', ac, creating);
  proxy.heal();
  await untilState(client, 'RECONNECTED');
  // The first sync's reply follows what was queued during the outage; the second goes behind
  // whatever those replies set off.
  await client.sync(root.path);
  await client.sync(root.path);
  await timing.waitFor(() => client.pendingBackgroundJobs === 0, {
    message: 'the abandoned protected create was cleaned up',
  });
  assert.equal(proxy.requestCount('create2'), creates + 1, 'only the first attempt went out');
  // The retry's search for our node was taken back too: the one listing is the clean-up's.
  assert.equal(proxy.requestCount('getChildren2'), listings + 1, 'only the clean-up listed');
  assert.deepEqual((await client.getChildren(dir)).children, []);
}

test('a protected sequential create aborted while its retry waits for the reconnect: only the first attempt goes out, and the node it made is deleted in the background', () =>
  abortedProtectedRetry(false));

test('a protected sequential create aborted while its retry waits for the reconnect, its node deleted meanwhile: no repeat goes out to make it anew', () =>
  abortedProtectedRetry(true));

test('ensurePath aborted while the connection is down: its parents never go out after the reconnect', async () => {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const {
    root,
    proxy,
    clients: [{ client }],
  } = fx;
  const creates = proxy.requestCount('create2') + proxy.requestCount('createContainer');
  proxy.rejectConnections();
  await untilState(client, 'SUSPENDED');
  const ac = new AbortController();
  const ensuring = client.ensurePath(root.child('a/b'), { signal: ac.signal });
  await abortedWithinBound('an aborted ensurePath', ac, ensuring);
  proxy.heal();
  await untilState(client, 'RECONNECTED');
  await client.sync(root.path);
  assert.equal(
    proxy.requestCount('create2') + proxy.requestCount('createContainer'),
    creates,
    'no parent went out',
  );
  assert.equal(await client.exists(root.child('a')), null);
});
