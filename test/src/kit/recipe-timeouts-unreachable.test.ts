// A recipe call's timeoutMs bounds the whole call, its ZooKeeper requests included: with the
// server stopped, each call below rejects with its recipe's typed timeout error soon after its
// timeoutMs, not with SessionExpiredError when the session ends (seconds later) nor with
// RetriesExhaustedError after a lost session (26 s in a new user's trial). Nothing is left
// behind once the server is back: no node, no watch, no unhandled rejection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { AtomicLong, SharedCount } from '@zk-recipes/atomic';
import { Barrier, DoubleBarrier } from '@zk-recipes/barrier';
import { ConfigCache, ConfigMap } from '@zk-recipes/cache';
import { createClient, stringSerializer, ZkRecipesError, type ZkClient } from '@zk-recipes/core';
import { isWitnessName } from '@zk-recipes/core/recipe';
import { ServiceDiscovery } from '@zk-recipes/discovery';
import { GroupMember } from '@zk-recipes/group';
import { Mutex } from '@zk-recipes/lock';
import { DistributedQueue } from '@zk-recipes/queue';
import { assertNoLeftoverWatches, TestingServer, TestRoot, WireClient } from '@zk-recipes/testing';
import { untilState } from '../support/shutdown.js';

const TIMEOUT_MS = 500;
/** Far under the session's end (20 s here) and the 4 s and 26 s the old code took. */
const BOUND_MS = 2_500;

let server: TestingServer;
before(async () => {
  server = await TestingServer.start();
});
after(async () => {
  await server?.close();
});

interface Outcome {
  what: string;
  code: string;
  ms: number;
}

/** Runs every call at once; each one's rejection code and time (`RESOLVED` if it resolved). */
async function outcomes(calls: Record<string, () => Promise<unknown>>): Promise<Outcome[]> {
  return Promise.all(
    Object.entries(calls).map(async ([what, call]) => {
      const began = performance.now();
      const code = await call().then(
        () => 'RESOLVED',
        (e: unknown) => (e instanceof ZkRecipesError ? e.code : `${(e as Error).name}`),
      );
      return { what, code, ms: Math.round(performance.now() - began) };
    }),
  );
}

function assertTimedOut(seen: Outcome[], expected: Record<string, string>): void {
  const wrong = seen.filter((o) => o.code !== expected[o.what] || o.ms > BOUND_MS);
  const all = seen.map((o) => `${o.what}: ${o.code} after ${o.ms} ms`).join('; ');
  assert.deepEqual(wrong, [], `calls not ended by their timeout: ${all}`);
}

/**
 * Every path under `path`, read with a fresh session; the counter's witness (an ephemeral that
 * goes by itself some seconds after its writer's last write) left out.
 */
async function tree(path: string): Promise<string[]> {
  const c = await WireClient.connect({ connectString: server.connectString });
  try {
    const all = await c.listTree(path);
    return all.filter((p) => !isWitnessName(p.slice(p.lastIndexOf('/') + 1))).sort();
  } finally {
    await c.closeSession();
  }
}

test('while ZooKeeper is unreachable, every recipe call ends at its timeoutMs with its typed timeout error (also after the session is lost), and leaves no node, watch or unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  await using root = await TestRoot.create(server);
  const clients: ZkClient[] = [];
  const open = (sessionTimeoutMs: number) => {
    const c = createClient({ connectString: server.connectString, sessionTimeoutMs });
    clients.push(c);
    return c;
  };
  const client = open(20_000);
  // Its session is lost during the outage: a new one cannot be had while the server is gone.
  const losing = open(2_000);
  try {
    await Promise.all([client.start(), losing.start()]);
    const schema = z.object({ n: z.number() });
    const o = { timeoutMs: TIMEOUT_MS };
    const queue = new DistributedQueue(client, root.child('queue'), {
      serializer: stringSerializer,
    });
    const config = new ConfigCache(client, root.child('config', 'one'), { schema });
    const configMap = new ConfigMap(client, root.child('config', 'map'), { schema });
    const discovery = new ServiceDiscovery(client, { basePath: root.child('services') });
    const count = new SharedCount(client, root.child('count'), 0);
    const recipes = [queue, config, configMap, discovery, count];
    for (const r of recipes) await r.start();
    await new Barrier(client, root.child('barrier')).set();
    const counter = new AtomicLong(client, root.child('counter'));
    await counter.increment();
    const lostCounter = new AtomicLong(losing, root.child('counter'));
    await lostCounter.get();
    const before = await tree(root.path);

    await server.stop();
    await untilState(client, 'SUSPENDED');
    const member = new GroupMember(client, root.child('group'), 'm1');
    const calls = {
      'queue.put': () => queue.put('x', o),
      'queue.take': () => queue.take(o),
      'queue.depth': () => queue.depth(o),
      'ConfigCache.publish': () => config.publish({ n: 1 }, o),
      'ConfigCache.update': () => config.update(() => ({ n: 2 }), { ...o, create: true }),
      'ConfigMap.publish': () => configMap.publish('k', { n: 1 }, o),
      'ConfigMap.update': () => configMap.update('k', () => ({ n: 2 }), { ...o, create: true }),
      'discovery.instances': () => discovery.instances('api', o),
      'AtomicLong.increment': () => counter.increment(o),
      'AtomicLong.get': () => counter.get(o),
      'SharedCount.set': () => count.set(5, o),
      'Barrier.waitOnBarrier': () => new Barrier(client, root.child('barrier')).waitOnBarrier(o),
      'Barrier.set': () => new Barrier(client, root.child('barrier-new')).set(o),
      'Barrier.remove': () => new Barrier(client, root.child('barrier')).remove(o),
      'Barrier.isSet': () => new Barrier(client, root.child('barrier')).isSet(o),
      'DoubleBarrier.enter': () => new DoubleBarrier(client, root.child('double'), 2).enter(o),
      'GroupMember.start': () => member.start(o),
      // Locks behaved already: they still do.
      'Mutex.acquire': () => new Mutex(client, root.child('lock')).acquire(o),
    };
    const expected: Record<string, string> = {
      'queue.put': 'QUEUE_TIMEOUT',
      'queue.take': 'QUEUE_TIMEOUT',
      'queue.depth': 'QUEUE_TIMEOUT',
      'ConfigCache.publish': 'CONFIG_TIMEOUT',
      'ConfigCache.update': 'CONFIG_TIMEOUT',
      'ConfigMap.publish': 'CONFIG_TIMEOUT',
      'ConfigMap.update': 'CONFIG_TIMEOUT',
      'discovery.instances': 'DISCOVERY_TIMEOUT',
      'AtomicLong.increment': 'ATOMIC_TIMEOUT',
      'AtomicLong.get': 'ATOMIC_TIMEOUT',
      'SharedCount.set': 'ATOMIC_TIMEOUT',
      'Barrier.waitOnBarrier': 'BARRIER_TIMEOUT',
      'Barrier.set': 'BARRIER_TIMEOUT',
      'Barrier.remove': 'BARRIER_TIMEOUT',
      'Barrier.isSet': 'BARRIER_TIMEOUT',
      'DoubleBarrier.enter': 'BARRIER_TIMEOUT',
      'GroupMember.start': 'GROUP_TIMEOUT',
      'Mutex.acquire': 'ACQUIRE_TIMEOUT',
    };
    assertTimedOut(await outcomes(calls), expected);

    // The other client's session is lost by now: its calls end at their timeout too.
    await untilState(losing, 'LOST');
    assertTimedOut(
      await outcomes({
        'AtomicLong.increment (session lost)': () => lostCounter.increment(o),
        'AtomicLong.get (session lost)': () => lostCounter.get(o),
      }),
      {
        'AtomicLong.increment (session lost)': 'ATOMIC_TIMEOUT',
        'AtomicLong.get (session lost)': 'ATOMIC_TIMEOUT',
      },
    );

    // Back: what the timed-out calls sent is not applied, and they left nothing.
    await server.restart();
    await untilState(client, 'RECONNECTED');
    await client.sync(root.path);
    await member.close();
    assert.deepEqual(await tree(root.path), before, 'no node made or left by a timed-out call');
    assert.deepEqual(
      (await client.getData(root.child('counter'))).data,
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]),
      'the counter is as before',
    );
    // (the caches of the queue, config, discovery, SharedCount and member keep theirs)
    for (const p of ['barrier', 'barrier-new', 'double', 'lock', 'counter', 'group']) {
      await assertNoLeftoverWatches(server, {
        under: root.child(p),
        sessionId: client.session!.sessionId,
      });
    }
    for (const r of recipes) await r.close();
  } finally {
    if (!server.running) await server.restart(); // a failed check: TestRoot removes its nodes
    for (const c of clients) await c.close();
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
});
