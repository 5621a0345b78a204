// PersistentNode against a real server: kept in place, never adopting another session's node
// (Curator adopts it), silent on a plain reconnect (Curator writes), re-created after expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataTooLargeError, InvalidArgumentError } from '@zk-recipes/core';
import { NodeConflictError, PersistentNode } from '@zk-recipes/group';
import { expireSession, FaultProxy, TestRoot } from '@zk-recipes/testing';
import { eventually, startedClient, waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });

test('PersistentNode: created on start (ephemeral of our session, parents made), re-created when deleted, data kept, deleted on close', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('members/m1');
    const node = new PersistentNode(c.client, path, { data: 'v1' });
    let created = 0;
    node.on('created', () => created++);
    await node.start();
    const first = await admin.client.getData(path);
    assert.equal(first.data.toString(), 'v1');
    assert.equal(first.stat.ephemeralOwner, c.client.session!.sessionId);
    await node.setData('v2');
    await admin.client.delete(path);
    await eventually(async () => (await admin.client.exists(path)) !== null, 5000, 're-created');
    assert.equal((await admin.client.getData(path)).data.toString(), 'v2');
    assert.equal(created, 2);
    await node.close();
    assert.equal(await admin.client.exists(path), null, 'deleted on close');
  } finally {
    await root.remove();
  }
});

test("PersistentNode: never adopts another live session's node (a typed conflict, data untouched), takes the path over once it goes (Curator overwrites and shares it)", async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('m');
    const first = new PersistentNode(a.client, path, { data: 'first' });
    await first.start();
    const second = new PersistentNode(b.client, path, { data: 'second' });
    const conflicts: NodeConflictError[] = [];
    second.on('conflict', (e) => conflicts.push(e));
    await assert.rejects(
      second.start(),
      (e) =>
        e instanceof NodeConflictError &&
        e.code === 'NODE_CONFLICT' &&
        e.owner === a.client.session!.sessionId,
    );
    const { data, stat } = await a.client.getData(path);
    assert.equal(data.toString(), 'first');
    assert.equal(stat.version, 0, 'not written');
    assert.equal(second.isPlaced, false);
    // The first goes: the second creates its own node.
    await first.close();
    assert.equal(await second.waitForPlaced({ timeoutMs: 5000 }), true);
    const now = await b.client.getData(path);
    assert.equal(now.data.toString(), 'second');
    assert.equal(now.stat.ephemeralOwner, b.client.session!.sessionId);
    assert.equal(conflicts.length, 1);
    await second.close();
  } finally {
    await root.remove();
  }
});

test('PersistentNode: a reconnect on the same session sends no write (Curator creates and sets data on every reconnect)', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('quiet');
    await using node = new PersistentNode(c.client, path, { data: 'x' });
    await node.start();
    const before = (await admin.client.exists(path))!;
    const writes = () => proxy.requestCount('create') + proxy.requestCount('setData');
    const sent = writes();
    let dataEvents = 0;
    await admin.client.exists(path, { watch: () => dataEvents++ });
    for (let i = 0; i < 3; i++) {
      proxy.closeAll();
      await eventually(() => c.client.state === 'RECONNECTED', 5000, 'reconnected');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(writes(), sent, 'no create or setData');
    const after = (await admin.client.exists(path))!;
    assert.equal(after.mzxid, before.mzxid);
    assert.equal(dataEvents, 0, 'watchers of the node heard nothing');
  } finally {
    await root.remove();
  }
});

test('PersistentNode: after its session expires it is back within 1 s of the new session', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({
    connectString: server.connectString,
    sessionTimeoutMs: 2000,
  });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('phoenix');
    await using node = new PersistentNode(c.client, path, { data: 'x' });
    await node.start();
    const old = c.client.session!.sessionId;
    await expireSession(c.client, server);
    await waitForNewSession(c.client, old);
    const t = Date.now();
    await eventually(
      async () => (await admin.client.exists(path))?.ephemeralOwner === c.client.session!.sessionId,
      1000,
      'the node in the new session',
    );
    assert.ok(Date.now() - t <= 1000);
  } finally {
    await root.remove();
  }
});

test('PersistentNode: bad input is a typed error before anything is sent', async () => {
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  const creates = proxy.requestCount('create');
  assert.throws(() => new PersistentNode(c.client, 'rel'), InvalidArgumentError);
  assert.throws(() => new PersistentNode(c.client, '/'), InvalidArgumentError);
  assert.throws(
    () => new PersistentNode(c.client, '/p', { mode: 'EPHEMERAL_SEQUENTIAL' as 'EPHEMERAL' }),
    InvalidArgumentError,
  );
  assert.throws(
    () => new PersistentNode(c.client, '/p', { data: 5 as unknown as string }),
    InvalidArgumentError,
  );
  const big = new PersistentNode(c.client, '/too-big', { data: Buffer.alloc(2 * 1024 * 1024) });
  await assert.rejects(big.start(), DataTooLargeError);
  await big.close();
  assert.equal(proxy.requestCount('create'), creates);
});
