import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BadVersionError,
  createClient,
  NodeExistsError,
  NoNodeError,
  NoWatcherError,
  type PersistentWatchEvent,
} from '@zk-recipes/core';
import { assertNoLeftoverWatches, TestRoot, WireClient, timing } from '@zk-recipes/testing';
import { countSocketWrites } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200, containerCheckIntervalMs: 200 });

test('create returns the path and Stat in every mode; containers and TTL nodes are real', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const sid = client.session!.sessionId;
  const p = await client.create(root.child('p'), 'd');
  assert.equal(p.path, root.child('p'));
  assert.equal(p.stat.dataLength, 1);
  assert.equal(p.stat.ephemeralOwner, 0n);
  const e = await client.create(root.child('e'), '', { mode: 'EPHEMERAL' });
  assert.equal(e.stat.ephemeralOwner, sid);
  const ps = await client.create(root.child('ps-'), '', { mode: 'PERSISTENT_SEQUENTIAL' });
  assert.match(ps.path, /\/ps-\d{10}$/);
  const es = await client.create(root.child('es-'), '', { mode: 'EPHEMERAL_SEQUENTIAL' });
  assert.match(es.path, /\/es-\d{10}$/);
  assert.equal(es.stat.ephemeralOwner, sid);

  // node-zookeeper-client alone makes a plain persistent node here (docs/low-level-client.md,
  // "Missing operations"). The server shows clients ephemeralOwner 0 for containers and TTL
  // nodes (DataTree's getClientEphemeralOwner), so what proves the kind is the server removing
  // them.
  const c = await client.create(root.child('c'), '', { mode: 'CONTAINER' });
  assert.equal(c.stat.ephemeralOwner, 0n);
  await client.create(root.child('c', 'child'));
  await client.delete(root.child('c', 'child'));
  await timing.waitFor(async () => (await client.exists(root.child('c'))) === null, {
    message: 'the emptied container to be removed by the server',
  });

  const t = await client.create(root.child('t'), '', { mode: 'PERSISTENT_WITH_TTL', ttlMs: 300 });
  assert.equal(t.stat.ephemeralOwner, 0n);
  const ts = await client.create(root.child('ts-'), '', {
    mode: 'PERSISTENT_SEQUENTIAL_WITH_TTL',
    ttlMs: 60_000,
  });
  assert.match(ts.path, /\/ts-\d{10}$/);
  await timing.waitFor(async () => (await client.exists(root.child('t'))) === null, {
    message: 'the TTL node to expire',
  });

  await assert.rejects(client.create(root.child('p')), NodeExistsError);
  await assert.rejects(client.create(root.child('missing', 'x')), NoNodeError);
});

test('create and delete carry multi-byte names and data; delete uses the version as given', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('nœud-ü'); // more UTF-8 bytes than characters, in path and data
  const made = await client.create(node, 'données');
  assert.equal(made.path, node);
  assert.equal(made.stat.dataLength, Buffer.byteLength('données'));
  assert.equal((await client.getData(node)).data.toString(), 'données');
  assert.deepEqual((await client.getChildren(root.path)).children, ['nœud-ü']);
  await client.setData(node, 'v1');
  await assert.rejects(client.delete(node, { version: 0 }), BadVersionError);
  await client.delete(node, { version: 1 });
  await assert.rejects(client.delete(node), NoNodeError);
  await client.create(node);
  await client.delete(node, { version: 0 }); // 0 is a version, and it matches
  assert.equal(await client.exists(node), null);
});

test('a lone request leaves at once; requests issued behind it leave together, in order', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const writes = countSocketWrites(client);
  const made = await Promise.all(
    Array.from({ length: 50 }, () =>
      client.create(root.child('s-'), '', { mode: 'PERSISTENT_SEQUENTIAL' }),
    ),
  );
  // The first goes out at once (the connection was idle), the 49 queued behind it in one more.
  assert.ok(writes.count <= 2, `${writes.count} writes for 50 creates issued in one tick`);
  // ZooKeeper applies one session's requests in the order they arrive.
  const seqs = made.map((m) => Number(m.path.slice(-10)));
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => seqs[0]! + i),
  );
  // Idle again: a lone request (a release's delete, a failover's listing) is written before
  // any microtask queued behind it runs, not on the next tick.
  const before = writes.count;
  const lone = client.create(root.child('lone'));
  assert.equal(writes.count - before, 1, 'a request on an idle connection is written at once');
  await lone;
  writes.restore();
});

test('multi uses versions exactly as given: 0 is a version, not "any" (upstream #67)', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const n = root.child('n');
  await client.create(n, 'v0');
  await client.setData(n, 'v1');
  await client.setData(n, 'v2'); // version 2 now
  await assert.rejects(client.multi([{ op: 'delete', path: n, version: 0 }]), (e: unknown) => {
    assert.ok(e instanceof BadVersionError);
    assert.equal(e.path, n);
    return true;
  });
  assert.notEqual(await client.exists(n), null, 'a delete at version 0 must not delete version 2');
  await assert.rejects(
    client.multi([
      { op: 'create', path: root.child('a') },
      { op: 'check', path: n, version: 0 },
    ]),
    BadVersionError,
  );
  assert.equal(await client.exists(root.child('a')), null, 'all or nothing');

  const fresh = root.child('fresh');
  await client.create(fresh);
  const results = await client.multi([
    { op: 'check', path: fresh, version: 0 },
    { op: 'setData', path: fresh, data: 'x', version: 0 },
    { op: 'create', path: root.child('s-'), mode: 'PERSISTENT_SEQUENTIAL' },
    { op: 'delete', path: n, version: 2 },
  ]);
  assert.equal(results.length, 4);
  assert.deepEqual(results[0], { op: 'check' });
  const [, set, made] = results;
  assert.equal(set?.op === 'setData' && set.stat.version, 1);
  assert.ok(made?.op === 'create' && /\/s-\d{10}$/.test(made.path));
  assert.deepEqual(results[3], { op: 'delete' });
  assert.equal(await client.exists(n), null);
});

test('a multi and a read called right after it reach the server in call order (a recipe pipelines them)', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  // Called in one synchronous run, not awaited in between: the read must see what the multi
  // made. Written behind it on the same session, it is answered after it; a multi that waited a
  // microtask before writing would let the read go first and find no node.
  for (let i = 0; i < 20; i++) {
    const n = root.child(`m${i}`);
    const made = client.multi([{ op: 'create', path: n, data: `v${i}` }]);
    const read = client.getData(n);
    const seen = client.exists(n);
    await made;
    assert.equal((await read).data.toString(), `v${i}`);
    assert.notEqual(await seen, null);
  }
});

test('sync, server version, and a chroot in the connect string', async () => {
  await using fx = await proxiedClients(server, { client: { chroot: true }, proxy: false });
  const { root } = fx;
  const [{ client }] = fx.clients;
  await client.sync('/');
  const made = await client.create('/inside', 'x');
  assert.equal(made.path, '/inside', 'paths come back without the chroot');
  const seq = await client.create('/q-', '', { mode: 'PERSISTENT_SEQUENTIAL' });
  assert.match(seq.path, /^\/q-\d{10}$/);
  const [r] = await client.multi([{ op: 'create', path: '/m' }]);
  assert.deepEqual(r, { op: 'create', path: '/m' });
  const raw = await WireClient.connect({ connectString: server.connectString });
  assert.notEqual(await raw.exists(root.child('inside')), null);
  await raw.closeSession();
  await timing.waitFor(() => client.serverVersion, { message: 'the server version' });
  assert.match(client.serverVersion!, /^3\.8\.\d+$/);
});

test('persistent and recursive watches hear every change, survive a reconnect, and leave nothing', async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 6000 }] });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const exact: PersistentWatchEvent[] = [];
  const tree: PersistentWatchEvent[] = [];
  const w1 = await client.addWatch(root.child('a'), (e) => exact.push(e));
  const w2 = await client.addWatch(root.path, (e) => tree.push(e), {
    mode: 'persistentRecursive',
  });
  await client.create(root.child('a'), '1');
  await client.setData(root.child('a'), '2');
  await client.setData(root.child('a'), '3');
  await client.create(root.child('a', 'b'));
  await timing.waitFor(() => tree.length >= 4, { message: 'recursive events' });
  assert.deepEqual(
    exact.map((e) => e.type),
    ['NodeCreated', 'NodeDataChanged', 'NodeDataChanged', 'NodeChildrenChanged'],
  );
  assert.deepEqual(
    tree.map((e) => `${e.type} ${e.path.slice(root.path.length)}`),
    ['NodeCreated /a', 'NodeDataChanged /a', 'NodeDataChanged /a', 'NodeCreated /a/b'],
  );

  proxy.closeAll();
  await timing.waitFor(() => exact.some((e) => e.type === 'Resync'), { message: 'Resync' });
  await client.setData(root.child('a'), '4');
  await timing.waitFor(() => exact.at(-1)?.type === 'NodeDataChanged', {
    message: 'events after reconnect',
  });

  await w1.remove();
  await w2.remove();
  await w2.remove(); // idempotent
  const before = exact.length;
  await client.setData(root.child('a'), '5');
  await timing.sleep(200);
  assert.equal(exact.length, before, 'a removed watch is silent');
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('addAuthInfo adds credentials now and for every later session', async () => {
  await using root = await TestRoot.create(server);
  const client = createClient({ connectString: server.connectString });
  await client.start();
  try {
    client.addAuthInfo('digest', 'late:pw');
    const node = root.child('mine');
    await client.create(node, 's', { acl: [{ perms: 31, scheme: 'auth', id: '' }] });
    assert.equal((await client.getData(node)).data.toString(), 's');
    const { acl } = await client.getACL(node);
    assert.equal(acl[0]!.scheme, 'digest');
    assert.match(acl[0]!.id, /^late:/);
  } finally {
    await client.close();
  }
});

test('removeWatches removes one-shot watches on the server and for good (not re-armed on reconnect)', async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 6000 }] });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('n');
  const other = root.child('other');
  await client.create(node, 'a');
  await client.create(other);
  const events: string[] = [];
  await client.getData(node, { watch: (e) => events.push(`data ${e.type}`) });
  await client.getChildren(other, { watch: (e) => events.push(`children ${e.type}`) });
  await client.removeWatches(node, { type: 'data' });
  assert.deepEqual(events, ['data WatchRemoved']);
  await assert.rejects(client.removeWatches(node, { type: 'data' }), NoWatcherError);
  await assertNoLeftoverWatches(server, { under: node });
  proxy.closeAll(); // SetWatches must not bring the data watch back
  await timing.waitFor(() => client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  await client.exists('/'); // SetWatches has been processed by now
  await assertNoLeftoverWatches(server, { under: node });
  await client.create(root.child('other', 'kid'));
  await timing.waitFor(() => events.length === 2, { message: 'the child watch' });
  assert.deepEqual(events, ['data WatchRemoved', 'children NodeChildrenChanged']);
  await assertNoLeftoverWatches(server, { under: root.path });
});
