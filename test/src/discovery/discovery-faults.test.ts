// Discovery under faults, each bound the product promises: a killed process's instance leaves
// every cache within its session timeout + 1 s; an expired session's instance is back within
// 1 s of its client's new session; a connection cut shorter than the session produces no
// event anywhere (Curator deletes and re-creates every instance on each reconnect, so every
// cache sees each one vanish and come back).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceInstance, ServiceDiscovery, type ServiceCacheChange } from '@zk-recipes/discovery';
import { expireSession, FaultProxy, TestRoot, timing } from '@zk-recipes/testing';
import { eventually } from '../support/cache-helpers.js';
import { startedClient, waitForNewSession } from '../support/core-helpers.js';
import { DiscoveryWorker } from '../support/discovery-workers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

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
