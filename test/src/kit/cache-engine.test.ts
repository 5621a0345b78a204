// The recipe kit's cache engine against a real server: the initial load, live changes, depth,
// the three scopes, one-shot watches instead of a persistent one, and nothing left after close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '@zk-recipes/core';
import { CacheEngine, type CacheEvent } from '@zk-recipes/core/recipe';
import { assertNoLeftoverWatches } from '@zk-recipes/testing';
import { cacheTree, eventually, replay, serverTree, sorted } from '../support/cache-helpers.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

for (const watchMode of ['auto', 'perNode'] as const) {
  test(`engine (${watchMode}): loads a tree, follows changes, and equals the server`, async () => {
    await using fx = await proxiedClients(server, { clients: 2, proxy: false });
    const [{ client }, { client: writer }] = fx.clients;
    const base = fx.root.child('tree');
    await writer.create(base, 'root');
    await writer.create(`${base}/a`, 'A');
    await writer.create(`${base}/a/x`, 'AX');
    await writer.create(`${base}/b`, 'B');
    const engine = new CacheEngine(client, base, { watchMode });
    const events: CacheEvent[] = [];
    engine.on('event', (e) => events.push(e));
    await engine.start();
    await engine.ready({ timeoutMs: 10_000 });
    assert.equal(engine.watchMode, watchMode === 'auto' ? 'persistent' : 'perNode');
    assert.equal(engine.size, 4);
    assert.equal(engine.isStale(), false);
    assert.deepEqual(engine.children(base), ['a', 'b']);
    assert.equal(engine.get(`${base}/a/x`)?.data?.toString(), 'AX');
    assert.equal(events.filter((e) => e.type === 'initialized').length, 1);

    await writer.setData(`${base}/a`, 'A2');
    await writer.create(`${base}/b/y`, 'BY');
    await writer.create(`${base}/c`, 'C');
    await writer.create(`${base}/c/z`, 'CZ');
    await writer.delete(`${base}/a`, { deleteChildren: true });
    await eventually('the cache follows', () => engine.size === 5 && !engine.get(`${base}/a`));
    const want = await serverTree(writer, base);
    assert.deepEqual(sorted(cacheTree(engine.nodes())), sorted(want));
    assert.deepEqual(sorted(replay(events)), sorted(want), 'the events replay to the same state');
    const updated = events.find((e) => e.type === 'updated');
    assert.equal(updated?.type === 'updated' && updated.previous.data?.toString(), 'A');
    await engine.close();
    await assertNoLeftoverWatches(server, { under: base });
  });
}

test('engine: depth limit, no data, children scope, node scope on an absent path', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const [{ client }, { client: writer }] = fx.clients;
  const base = fx.root.child('scopes');
  await writer.create(base, 'r');
  await writer.create(`${base}/a`, 'A');
  await writer.create(`${base}/a/deep`, 'D');
  await using shallow = new CacheEngine(client, base, { maxDepth: 1, keepData: false });
  await using kids = new CacheEngine(client, base, { scope: 'children' });
  const absent = `${base}/not-yet`;
  await using one = new CacheEngine(client, absent, { scope: 'node' });
  for (const e of [shallow, kids, one]) await e.start();
  for (const e of [shallow, kids, one]) await e.ready({ timeoutMs: 10_000 });
  assert.deepEqual([...shallow.nodes()].map((n) => n.path).sort(), [base, `${base}/a`]);
  assert.equal(shallow.get(`${base}/a`)?.data, undefined, 'keepData: false keeps no data');
  assert.equal(shallow.get(`${base}/a`)?.stat.version, 0);
  assert.equal(kids.get(`${base}/a/deep`), undefined);
  assert.equal(one.size, 0);
  assert.equal(await writer.exists(absent), null, 'the cache did not create its path');
  await writer.create(absent, 'now');
  await writer.create(`${base}/a/deep/deeper`, '');
  await writer.create(`${base}/b`, 'B');
  await eventually(
    'node cache sees the creation',
    () => one.get(absent)?.data?.toString() === 'now',
  );
  await eventually('children cache sees b', () => kids.get(`${base}/b`)?.data?.toString() === 'B');
  assert.equal(shallow.get(`${base}/a/deep/deeper`), undefined);
  await writer.delete(absent);
  await eventually('node cache sees the deletion', () => one.size === 0);
});

test('engine: bad input is refused before anything is sent', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { client } = fx.clients[0];
  assert.throws(() => new CacheEngine(client, 'no-slash'), InvalidArgumentError);
  assert.throws(() => new CacheEngine(client, '/a', { scope: 'x' as never }), InvalidArgumentError);
  assert.throws(() => new CacheEngine(client, '/a', { maxDepth: -1 }), InvalidArgumentError);
  assert.throws(
    () => new CacheEngine(client, '/a', { scope: 'node', maxDepth: 2 }),
    InvalidArgumentError,
  );
  assert.throws(() => new CacheEngine(client, '/a', { batchSize: 0 }), InvalidArgumentError);
  const e = new CacheEngine(client, '/a');
  await assert.rejects(e.ready({ timeoutMs: -1 }), InvalidArgumentError);
  await assert.rejects(e.ready({ timeoutMs: 0 }), { code: 'CACHE_NOT_READY' });
  await e.close();
});
