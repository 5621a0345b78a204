// The three caches as users see them: NodeCache and ChildrenCache as views of the engine,
// events() iterators, a server without addWatch, close leaving no watch, timer or retry, and
// bad input.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ChildrenCache, NodeCache, TreeCache, type CacheEvent } from '@zk-recipes/cache';
import { InvalidArgumentError, RecipeClosedError } from '@zk-recipes/core';
import { assertNoLeftoverWatches } from '@zk-recipes/testing';
import { cacheTree, eventually, replay, serverTree, sorted } from '../support/cache-helpers.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';
import { returnsWithinBound, untilState } from '../support/shutdown.js';

const server = sharedServer({ tickTimeMs: 200 });

test('NodeCache follows one node through absent, created, changed and deleted; events() iterates them', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const [{ client }, { client: writer }] = fx.clients;
  const path = fx.root.child('flags', 'maintenance');
  await using flag = new NodeCache(client, path);
  const seen: CacheEvent[] = [];
  const iterating = (async () => {
    for await (const e of flag.events()) {
      seen.push(e);
      if (e.type === 'removed') break;
    }
  })();
  await flag.start();
  await flag.ready({ timeoutMs: 10_000 });
  assert.equal(flag.current, undefined);
  assert.equal(await writer.exists(fx.root.child('flags')), null, 'no parent was created');
  await writer.create(path, 'off', { createParents: true });
  await eventually('created', () => flag.current?.data?.toString() === 'off');
  await writer.setData(path, 'on');
  await eventually('changed', () => flag.current?.data?.toString() === 'on');
  await writer.delete(path);
  await iterating;
  assert.deepEqual(
    seen.map((e) => e.type),
    ['initialized', 'added', 'updated', 'removed'],
  );
  await flag.close();
  await assertNoLeftoverWatches(server, { under: fx.root.path });
});

test('ChildrenCache shows the children only, with their data; its events never name the parent', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const [{ client }, { client: writer }] = fx.clients;
  const path = fx.root.child('members');
  await writer.create(path, 'parent');
  await writer.create(`${path}/a`, 'A');
  await using members = new ChildrenCache(client, path);
  const events: CacheEvent[] = [];
  members.on('event', (e) => events.push(e));
  await members.start();
  await members.ready({ timeoutMs: 10_000 });
  assert.deepEqual(members.names(), ['a']);
  assert.equal(members.size, 1);
  assert.deepEqual(events[events.length - 1], { type: 'initialized', size: 1 });
  await writer.create(`${path}/b`, 'B');
  await writer.create(`${path}/b/deep`, 'not shown');
  await writer.setData(path, 'parent changed');
  await writer.setData(`${path}/a`, 'A2');
  await eventually(
    'b and A2',
    () => members.size === 2 && members.get('a')?.data?.toString() === 'A2',
  );
  assert.deepEqual(
    members.children().map((n) => n.data?.toString()),
    ['A2', 'B'],
  );
  assert.ok(
    events.every((e) => !('path' in e) || e.path !== path),
    'no event for the parent',
  );
  assert.ok(
    events.every((e) => !('path' in e) || e.path.split('/').length === path.split('/').length + 1),
  );
});

test('against a server that answers UNIMPLEMENTED to addWatch (as 3.5 does), a TreeCache falls back to one-shot watches per node and still equals the server, also after a cut; close removes them', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 3000 }, { direct: true }],
  });
  const [{ client }, { client: writer }] = fx.clients;
  const { proxy } = fx;
  // The proxy hands the real server addWatch under an opcode it does not know: the server's
  // own answer, UNIMPLEMENTED, decides the fallback.
  proxy.unknownOps(['addWatch']);
  const base = fx.root.child('old-server');
  await writer.create(base, 'r');
  await writer.create(`${base}/a`, 'A');
  await writer.create(`${base}/a/b`, 'B');
  await using cache = new TreeCache(client, base);
  const events: CacheEvent[] = [];
  cache.on('event', (e) => events.push(e));
  await cache.start();
  await cache.ready({ timeoutMs: 20_000 });
  assert.equal(cache.watchMode, 'perNode');
  assert.ok(proxy.requestCount('addWatch') >= 1, 'addWatch was tried');
  await writer.setData(`${base}/a/b`, 'B2');
  await writer.create(`${base}/c`, 'C');
  await writer.create(`${base}/c/d`, 'D');
  await writer.delete(`${base}/a/b`);
  await eventually(
    'live changes',
    () => cache.get(`${base}/c/d`) !== undefined && !cache.get(`${base}/a/b`),
  );
  proxy.rejectConnections();
  await eventually('stale', () => cache.isStale());
  await writer.setData(`${base}/a`, 'A2');
  await writer.create(`${base}/e`, 'E');
  proxy.heal();
  await eventually('resynced', () => events.at(-1)?.type === 'resynced', 20_000);
  const want = await serverTree(writer, base);
  assert.deepEqual(sorted(cacheTree(cache.nodes())), sorted(want));
  assert.deepEqual(sorted(replay(events)), sorted(want));
  await cache.close();
  await assertNoLeftoverWatches(server, { under: base });
});

test('while addWatch cannot get through, the cache retries with backoff, and stops at close (Curator retries at once, forever, even after close); a close once connected leaves no watch, even from an attempt whose outcome was unknown', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 2000, requestTimeoutMs: 300 }],
  });
  const { client } = fx.clients[0];
  const { proxy } = fx;
  const attempts = async (base: string, closeWhile: 'partitioned' | 'connected') => {
    proxy.partition();
    const cache = new TreeCache(client, base);
    await cache.start();
    await new Promise((r) => setTimeout(r, 1200));
    if (closeWhile === 'partitioned') await cache.close();
    proxy.heal();
    await eventually('connected', () => client.isConnected, 20_000);
    if (closeWhile === 'connected') {
      // What the partition held of the old connection reaches the server after the heal, in
      // the background: let it land before the close (no other wait tells when it did).
      await new Promise((r) => setTimeout(r, 500));
      await cache.close();
    }
    const after = proxy.requestCount('addWatch');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(proxy.requestCount('addWatch'), after, 'no addWatch after close');
  };
  const before = proxy.requestCount('addWatch');
  await attempts(fx.root.child('closed-while-cut'), 'partitioned');
  const tried = proxy.requestCount('addWatch') - before;
  // Backoff of 100, 200, 400 ms: at most 4 attempts start in 1.2 s even when each fails at
  // once (a request refused while disconnected); a busy loop makes hundreds.
  assert.ok(tried <= 4, `a few attempts in 1.2 s, not a busy loop (${tried})`);
  // A request sent before the partition may reach the server after it: core's removal then
  // takes it off when the cache closes while connected.
  await attempts(fx.root.child('closed-once-back'), 'connected');
  await assertNoLeftoverWatches(server, { under: fx.root.child('closed-once-back') });
});

test('a process whose caches are closed exits by itself: no timer or watch keeps it alive', async () => {
  await using fx = await proxiedClients(server, { clients: 1, proxy: false });
  const base = fx.root.child('exit');
  await fx.clients[0].client.create(base, '');
  const script = fileURLToPath(new URL('../support/cache-close-child.js', import.meta.url));
  const child = spawn(process.execPath, [script, server.connectString, base], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 20_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(out.trim(), 'closed');
  assert.equal(code, 0, 'exited by itself');
});

test('cache bad input: invalid paths and options are refused with typed errors before anything is sent', async () => {
  await using fx = await proxiedClients(server, { clients: 1, proxy: false });
  const { client } = fx.clients[0];
  assert.throws(() => new TreeCache(client, 'relative'), InvalidArgumentError);
  assert.throws(() => new TreeCache(client, '/a//b'), InvalidArgumentError);
  assert.throws(() => new NodeCache(client, '/a/'), InvalidArgumentError);
  assert.throws(() => new TreeCache(client, '/a', { maxDepth: 1.5 }), InvalidArgumentError);
  assert.throws(() => new ChildrenCache(client, '/a', { batchSize: -1 }), InvalidArgumentError);
  assert.throws(
    () => new TreeCache(client, '/a', { keepData: 'yes' as never }),
    InvalidArgumentError,
  );
  const c = new TreeCache(client, '/never-started');
  await assert.rejects(c.ready({ timeoutMs: 'x' as never }), InvalidArgumentError);
  await c.start();
  await assert.rejects(c.start(), { code: 'ILLEGAL_STATE' });
  await c.close();
  await assert.rejects(c.ready(), { code: 'RECIPE_CLOSED' });
});

test('NodeCache, ChildrenCache, TreeCache: every call after close() is a RecipeClosedError (ready() resolved, the last view was served)', async () => {
  await using fx = await proxiedClients(server, { clients: 1, proxy: false });
  const { client } = fx.clients[0];
  const path = fx.root.child('closed');
  await client.create(path, 'x');
  const closed = (e: unknown) => e instanceof RecipeClosedError && e.code === 'RECIPE_CLOSED';
  const node = new NodeCache(client, path);
  const children = new ChildrenCache(client, path);
  const tree = new TreeCache(client, path);
  for (const c of [node, children, tree]) {
    await c.start();
    await c.ready({ timeoutMs: 10_000 });
    await c.close();
    await assert.rejects(c.ready(), closed);
    assert.throws(() => c.isStale(), closed);
    assert.throws(() => c.events(), closed);
  }
  assert.throws(() => children.get('a'), closed);
  assert.throws(() => children.names(), closed);
  assert.throws(() => children.children(), closed);
  assert.throws(() => tree.get(path), closed);
  assert.throws(() => tree.children(path), closed);
  assert.throws(() => tree.nodes(), closed);
});

test("a cache's close() returns within the release bound from its call: ZooKeeper unreachable at the call, or the connection silent and not yet known to be down (it waited for the client to notice, then the whole bound: 14 s with a 20 s session)", async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 20_000 }] });
  const { client } = fx.clients[0];
  const { proxy } = fx;
  // Started while down: its addWatch is in doubt, and removing it waits for a connection.
  proxy.rejectConnections();
  await untilState(client, 'SUSPENDED');
  const down = new NodeCache(client, fx.root.child('down'));
  await down.start();
  await returnsWithinBound('close() with ZooKeeper unreachable', () => down.close());
  proxy.heal();
  await untilState(client, 'RECONNECTED');
  const silent = new NodeCache(client, fx.root.child('silent'));
  await silent.start();
  await silent.ready({ timeoutMs: 10_000 });
  proxy.partition();
  await returnsWithinBound('close() on a silent connection', () => silent.close());
  assert.ok(client.isConnected, 'the client had not noticed: the bound held anyway');
  proxy.heal();
});
