// ServiceCache and ServiceProvider against a real server (one per file, a root per test):
// changes as { added, removed, updated }, one engine per service per client however many
// caches and providers (Curator reads each change once per provider), the strategies, filters
// and the down-instance policy (Curator's sticky switches on an update; its down timeout runs
// from the first error), nodes that are no instance reported and skipped; and the bounds under
// faults: a killed process's instance leaves every cache within its session timeout + 1 s; an
// expired session's instance is back within 1 s of its client's new session; a connection cut
// shorter than the session produces no event anywhere (Curator deletes and re-creates every
// instance on each reconnect, so every cache sees each one vanish and come back).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { SerializationError } from '@zk-recipes/core';
import {
  serviceInstance,
  ServiceDiscovery,
  type ServiceCacheChange,
  type ServiceInstance,
} from '@zk-recipes/discovery';
import {
  assertNoLeftoverWatches,
  expireSession,
  FaultProxy,
  TestRoot,
  timing,
} from '@zk-recipes/testing';
import { eventually } from '../support/cache-helpers.js';
import { startedClient, waitForNewSession } from '../support/core-helpers.js';
import { DiscoveryWorker } from '../support/discovery-workers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();
const payload = z.object({ weight: z.number() });

const ids = (l: readonly ServiceInstance<unknown>[]) => l.map((i) => i.id).sort();

async function setup(connectString = server.connectString) {
  const c = await startedClient({ connectString });
  const root = await TestRoot.create(server);
  const discovery = new ServiceDiscovery(c.client, { basePath: root.child('s'), payload });
  await discovery.start();
  return {
    c,
    root,
    discovery,
    async [Symbol.asyncDispose]() {
      await discovery.close();
      await c[Symbol.asyncDispose]();
      await root.remove();
    },
  };
}

test("changes() yields { added, removed, updated } batches (Curator's cacheChanged() says nothing); the initial load is not a change; instances() is the live list", async () => {
  await using s = await setup();
  const a = serviceInstance({ name: 'api', id: 'a', payload: { weight: 1 } });
  await s.discovery.register(a);
  await using cache = await s.discovery.serviceCache('api');
  assert.deepEqual(ids(cache.instances()), ['a']);
  const seen: ServiceCacheChange<{ weight: number }>[] = [];
  const stop = new AbortController();
  const reading = (async () => {
    for await (const c of cache.changes({ signal: stop.signal })) seen.push(c);
  })().catch(() => undefined);
  await s.discovery.register(serviceInstance({ name: 'api', id: 'b', payload: { weight: 2 } }));
  await eventually('b added', () => seen.length === 1);
  assert.deepEqual(ids(seen[0]!.added), ['b']);
  assert.deepEqual([seen[0]!.removed, seen[0]!.updated], [[], []]);
  await s.discovery.update(serviceInstance({ ...a, payload: { weight: 7 } }));
  await eventually('a updated', () => seen.length === 2);
  assert.deepEqual(
    seen[1]!.updated.map((i) => [i.id, i.payload?.weight]),
    [['a', 7]],
  );
  await s.discovery.unregister('b');
  await eventually('b removed', () => seen.length === 3);
  assert.deepEqual(ids(seen[2]!.removed), ['b']);
  assert.deepEqual(ids(cache.instances()), ['a']);
  stop.abort();
  await reading;
});

test('one engine per service per client: two caches and four providers on one service read each change once (Curator: once per provider)', async () => {
  await using proxy = await FaultProxy.start(server);
  await using s = await setup(proxy.connectString);
  await using writer = await setup();
  const writerOn = new ServiceDiscovery(writer.c.client, { basePath: s.discovery.path, payload });
  await writerOn.start();
  await writerOn.register(serviceInstance({ name: 'api', id: 'x', payload: { weight: 1 } }));
  await using c1 = await s.discovery.serviceCache('api');
  await using c2 = await s.discovery.serviceCache('api');
  const providers = await Promise.all([1, 2, 3, 4].map(() => s.discovery.serviceProvider('api')));
  const readers = [c1, c2, ...providers.map((p) => p.cache)];
  const before = proxy.requestCount('getData');
  await writerOn.register(serviceInstance({ name: 'api', id: 'y', payload: { weight: 1 } }));
  await eventually('every reader sees y', () => readers.every((c) => c.instances().length === 2));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(proxy.requestCount('getData') - before, 1);
  assert.deepEqual(
    providers.map((p) => p.getInstance()?.id),
    ['x', 'x', 'x', 'x'],
    'each provider keeps its own round-robin counter',
  );
  for (const p of providers) await p.close();
  await c1.close();
  await c2.close();
  await writerOn.close();
  // The last reader of the service closed: its watch is gone from the server.
  await assertNoLeftoverWatches(server, { under: s.discovery.path });
});

test('strategies: round robin takes each in turn, random only live ones, sticky keeps its instance through an update of it (Curator compares all fields and switches) and moves when it leaves; a custom function; filters', async () => {
  await using s = await setup();
  for (const id of ['a', 'b', 'c']) {
    await s.discovery.register(
      serviceInstance({ name: 'api', id, payload: { weight: id.charCodeAt(0) } }),
    );
  }
  await using rr = await s.discovery.serviceProvider('api');
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => rr.getInstance()?.id),
    ['a', 'b', 'c', 'a', 'b', 'c'],
  );
  await using random = await s.discovery.serviceProvider('api', { strategy: 'random' });
  const picked = new Set(Array.from({ length: 200 }, () => random.getInstance()!.id));
  assert.deepEqual([...picked].sort(), ['a', 'b', 'c']);

  await using sticky = await s.discovery.serviceProvider('api', { strategy: 'sticky' });
  const held = sticky.getInstance()!;
  await s.discovery.update(serviceInstance({ ...held, payload: { weight: 1000 } }));
  await eventually('the update is in', () =>
    sticky.getAllInstances().some((i) => i.payload?.weight === 1000),
  );
  const after = sticky.getInstance()!;
  assert.equal(after.id, held.id);
  assert.equal(after.payload?.weight, 1000, 'sticky gives the instance as it is now');
  await s.discovery.unregister(held.id);
  await eventually('gone', () => sticky.getAllInstances().length === 2);
  const moved = sticky.getInstance()!;
  assert.notEqual(moved.id, held.id);
  assert.equal(sticky.getInstance()?.id, moved.id);

  await using heaviest = await s.discovery.serviceProvider('api', {
    strategy: (l) => [...l].sort((x, y) => y.payload!.weight - x.payload!.weight)[0],
    filters: [(i) => i.id !== 'c'],
  });
  assert.deepEqual(
    ids(heaviest.getAllInstances()),
    ['a', 'b'].filter((i) => i !== held.id),
  );
  assert.equal(heaviest.getInstance()?.id, held.id === 'b' ? 'a' : 'b');
  await assert.rejects(s.discovery.serviceProvider('api', { strategy: 'fastest' as never }));
});

test('down-instance policy: out at the error threshold, back timeoutMs after its last error (Curator times from the first error, so a still-failing instance came back)', async () => {
  await using s = await setup();
  for (const id of ['a', 'b']) {
    await s.discovery.register(serviceInstance({ name: 'api', id, payload: { weight: 1 } }));
  }
  await using p = await s.discovery.serviceProvider('api', {
    downInstancePolicy: { timeoutMs: 400, errorThreshold: 2 },
  });
  const a = p.getAllInstances().find((i) => i.id === 'a')!;
  p.noteError(a);
  assert.deepEqual(ids(p.getAllInstances()), ['a', 'b'], 'one error is below the threshold');
  p.noteError(a);
  assert.deepEqual(ids(p.getAllInstances()), ['b']);
  await new Promise((r) => setTimeout(r, 250));
  p.noteError(a); // still failing, 250 ms after the first error
  await new Promise((r) => setTimeout(r, 250));
  // 500 ms after the first error (past Curator's return), 250 ms after the last: still out.
  assert.deepEqual(ids(p.getAllInstances()), ['b']);
  await eventually('a back 400 ms after its last error', () => p.getAllInstances().length === 2);
  assert.deepEqual([1, 2, 3, 4].map(() => p.getInstance()?.id).sort(), ['a', 'a', 'b', 'b']);
});

test('a node that is no instance (foreign JSON, a payload failing the schema, not JSON) is reported with its path and left out; the cache goes on, and the node counts once it is fixed', async () => {
  await using s = await setup();
  await s.discovery.register(serviceInstance({ name: 'api', id: 'good', payload: { weight: 1 } }));
  const errors: unknown[] = [];
  await using cache = await s.discovery.serviceCache('api');
  cache.on('error', (e) => errors.push(e));
  const parent = `${s.discovery.path}/api`;
  await s.c.client.create(`${parent}/junk`, 'not json');
  await s.c.client.create(`${parent}/foreign`, '{"hello":"world"}');
  await s.c.client.create(
    `${parent}/badpayload`,
    '{"name":"api","id":"badpayload","payload":{"weight":"heavy"}}',
  );
  await eventually('three reported', () => errors.length >= 3);
  for (const e of errors) {
    assert.ok(e instanceof SerializationError, String(e));
    assert.match(e.path ?? '', /\/api\/(junk|foreign|badpayload)$/);
  }
  assert.deepEqual(ids(cache.instances()), ['good']);
  await s.c.client.setData(
    `${parent}/badpayload`,
    '{"name":"api","id":"badpayload","payload":{"weight":3}}',
  );
  await eventually('fixed node counted', () => cache.instances().length === 2);
  // The discovery's own reads skip them the same way.
  assert.deepEqual(ids(await s.discovery.instances('api')), ['badpayload', 'good']);
  await s.c.client.delete(`${parent}/junk`);
  await s.c.client.delete(`${parent}/foreign`);
  await s.c.client.delete(`${parent}/badpayload`);
});

async function observer(connectString: string, basePath: string, name = 'api') {
  const c = await startedClient({ connectString });
  const discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  const cache = await discovery.serviceCache(name);
  const changes: { at: number; change: ServiceCacheChange<unknown> }[] = [];
  cache.on('changed', (change) => changes.push({ at: Date.now(), change }));
  return {
    c,
    cache,
    changes,
    async [Symbol.asyncDispose]() {
      await discovery.close();
      await c[Symbol.asyncDispose]();
    },
  };
}

test('an instance whose process is killed disappears from every cache within the session timeout + 1 s', async () => {
  await using root = await TestRoot.create(server);
  const basePath = root.child('s');
  const sessionMs = 1000;
  await using worker = await DiscoveryWorker.start(server.connectString, basePath, sessionMs);
  await worker.register([{ name: 'api', id: 'doomed' }]);
  await using a = await observer(server.connectString, basePath);
  await using b = await observer(server.connectString, basePath);
  assert.deepEqual(
    [a, b].map((o) => o.cache.instances().map((i) => i.id)),
    [['doomed'], ['doomed']],
  );
  const killedAt = Date.now();
  await worker.kill();
  const bound = sessionMs + timing.ms(1000);
  await eventually(
    'gone from both caches',
    () => [a, b].every((o) => o.cache.instances().length === 0),
    bound + 5000,
  );
  for (const o of [a, b]) {
    const removed = o.changes.find((c) => c.change.removed.some((i) => i.id === 'doomed'));
    assert.ok(removed);
    assert.ok(removed.at - killedAt <= bound, `removed after ${removed.at - killedAt} ms`);
  }
});

test("an instance whose session expired is back in every cache within 1 s of its client's new session", async () => {
  await using root = await TestRoot.create(server);
  const basePath = root.child('s');
  await using c = await startedClient({
    connectString: server.connectString,
    sessionTimeoutMs: 4000,
  });
  await using discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  await discovery.register(serviceInstance({ name: 'api', id: 'phoenix' }));
  await using o = await observer(server.connectString, basePath);
  const old = c.client.session!.sessionId;
  let newSessionAt = 0;
  c.client.onStateChange((s) => {
    if (s.state === 'RECONNECTED' && s.sessionId !== old && !newSessionAt)
      newSessionAt = Date.now();
  });
  await expireSession(c.client, server);
  await waitForNewSession(c.client, old);
  await eventually('removed then added', () =>
    o.changes.some((x) => x.change.added.some((i) => i.id === 'phoenix')),
  );
  const removed = o.changes.findIndex((x) => x.change.removed.some((i) => i.id === 'phoenix'));
  const added = o.changes.findIndex((x) => x.change.added.some((i) => i.id === 'phoenix'));
  assert.ok(
    removed >= 0 && removed < added,
    'the observer saw it leave with the session, then return',
  );
  const back = o.changes[added]!.at - newSessionAt;
  assert.ok(back <= timing.ms(1000), `back ${back} ms after the new session`);
  assert.deepEqual(
    o.cache.instances().map((i) => i.id),
    ['phoenix'],
  );
});

test('a connection cut shorter than the session timeout, on the registering and the watching side alike, produces no removed, added or updated event anywhere', async () => {
  await using root = await TestRoot.create(server);
  const basePath = root.child('s');
  await using regProxy = await FaultProxy.start(server);
  await using obsProxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: regProxy.connectString,
    sessionTimeoutMs: 10_000,
  });
  await using discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  for (const t of ['DYNAMIC', 'DYNAMIC_SEQUENTIAL', 'STATIC', 'PERMANENT'] as const) {
    await discovery.register(serviceInstance({ name: 'api', id: `i-${t}`, serviceType: t }));
  }
  // One observer behind its own cut connection, one straight to the server (it hears every
  // server-side change live: Curator's delete and re-create would show there).
  await using cut = await observer(obsProxy.connectString, basePath);
  await using direct = await observer(server.connectString, basePath);
  assert.equal(cut.cache.instances().length, 4);
  const reconnects = (x: { states(): string[] }) =>
    x.states().filter((s) => s === 'RECONNECTED').length;
  const before = [reconnects(c), reconnects(cut.c)];
  regProxy.closeAll();
  obsProxy.closeAll();
  await eventually(
    'both reconnected',
    () => reconnects(c) > before[0]! && reconnects(cut.c) > before[1]!,
  );
  await eventually('the cut cache resynced', () => !cut.cache.isStale());
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(cut.changes, []);
  assert.deepEqual(direct.changes, []);
  assert.equal(cut.cache.instances().length, 4);
  assert.equal(c.client.session!.sessionId, c.changes[0]!.sessionId, 'the same session throughout');
});
