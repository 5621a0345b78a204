// A recursive delete's signal reaches every request it sends. Aborted while the connection was
// down, `delete(path, { deleteChildren: true, signal })` rejected at once but left its
// getChildren queued: after the reconnect it went out, and the walk went on to delete the whole
// tree behind the caller's back. Aborted after a listing was written, the walk went on when its
// reply came.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZkClient } from '@zk-recipes/core';
import { timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { onFreshSession, abortedWithinBound, untilState } from '../support/shutdown.js';

const server = sharedServer();

/** `base`, two children and a grandchild; returns the paths under `base`, as listTree lists them. */
async function makeTree(client: ZkClient, base: string): Promise<string[]> {
  const under = [`${base}/a`, `${base}/a/x`, `${base}/b`];
  for (const p of [base, ...under]) await client.create(p, 'v');
  return under;
}

/** What the server holds under `path` (and whether `path` itself exists), read by another session. */
function treeOnServer(path: string): Promise<{ exists: boolean; under: string[] }> {
  return onFreshSession(server, async (c) => ({
    exists: (await c.exists(path)) !== null,
    under: await c.listTree(path),
  }));
}

test('deleteChildren aborted while the connection is down: rejects at once, nothing of it goes out after the reconnect (a guaranteed one is finished in the background)', async () => {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const {
    root,
    proxy,
    clients: [{ client }],
  } = fx;
  const tree = root.child('tree');
  const under = await makeTree(client, tree);

  proxy.rejectConnections();
  await untilState(client, 'SUSPENDED');
  const ac = new AbortController();
  const deleting = client.delete(tree, { deleteChildren: true, signal: ac.signal });
  await abortedWithinBound('an aborted recursive delete', ac, deleting);
  const listed = proxy.requestCount('getChildren2');
  const deleted = proxy.requestCount('delete');
  proxy.heal();
  await untilState(client, 'RECONNECTED');
  // Written behind anything queued during the outage: by its reply, what was queued is in.
  await client.sync(root.path);
  assert.equal(proxy.requestCount('getChildren2'), listed, 'the queued listing was taken back');
  assert.equal(proxy.requestCount('delete'), deleted, 'no delete went out');
  assert.deepEqual(await treeOnServer(tree), { exists: true, under });

  // A guaranteed one keeps its guarantee, subtree and all: the background job deletes the tree.
  proxy.rejectConnections();
  await untilState(client, 'SUSPENDED');
  const given = new AbortController();
  const guaranteed = client.delete(tree, {
    deleteChildren: true,
    guaranteed: true,
    signal: given.signal,
  });
  await abortedWithinBound('an aborted guaranteed recursive delete', given, guaranteed);
  proxy.heal();
  await untilState(client, 'RECONNECTED');
  await timing.waitFor(async () => (await client.exists(tree)) === null, {
    message: 'the guaranteed recursive delete finished in the background',
  });
});

test('deleteChildren aborted while its listing is written and unanswered: nothing more is sent when the reply comes', async () => {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const {
    root,
    proxy,
    clients: [{ client }],
  } = fx;
  const tree = root.child('tree');
  const under = await makeTree(client, tree);
  const listed = proxy.requestCount('getChildren2');
  const deleted = proxy.requestCount('delete');

  // Requests reach the server, replies are held: the listing is written, its answer waits.
  proxy.partition('toClient');
  const ac = new AbortController();
  const why = new Error('the caller gave up');
  const deleting = client.delete(tree, { deleteChildren: true, signal: ac.signal });
  await timing.waitFor(() => proxy.requestCount('getChildren2') === listed + 1, {
    message: 'the listing reached the server',
  });
  ac.abort(why);
  await assert.rejects(deleting, (e) => e === why);
  proxy.heal();
  // The first sync's reply follows the listing's; the second goes behind whatever that listing's
  // reply set off.
  await client.sync(root.path);
  await client.sync(root.path);
  assert.equal(proxy.requestCount('getChildren2'), listed + 1, 'no listing after the abort');
  assert.equal(proxy.requestCount('delete'), deleted, 'no delete after the abort');
  assert.deepEqual(await treeOnServer(tree), { exists: true, under });
});
