import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcquireTimeoutError } from '@zk-recipes/core';
import { Semaphore, SemaphoreMutex, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  childrenOf,
  assertNoLeftoverWatches,
  TestRoot,
  timing,
} from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { exitCodes, javaWorkerProcess, tsWorkerProcess } from '../support/workers.js';
import { proxiedClients } from '../support/proxied-clients.js';

// Containers checked once a minute, not every second: the layout test looks at `locks` and
// `leases` after the last release, when both are empty containers the server may reap (a race
// that failed once on a loaded machine). Nothing here relies on reaping.
const server = sharedServer({ tickTimeMs: 200, containerCheckIntervalMs: 60_000 });

test("at most maxLeases holders at once; Curator's SemaphoreV2 layout", async () => {
  await using fx = await proxiedClients(server, { clients: 5, proxy: false });
  const { root, clients } = fx;
  const path = root.child('sem');
  let inside = 0;
  let most = 0;
  let leaseNames: string[] = [];
  await Promise.all(
    clients.map(async ({ client }) => {
      const sem = new Semaphore(client, path, { maxLeases: 2 });
      for (let r = 0; r < 3; r++) {
        const lease = await sem.acquire();
        inside++;
        most = Math.max(most, inside);
        leaseNames = leaseNames.length ? leaseNames : await childrenOf(server, `${path}/leases`);
        await timing.sleep(30);
        inside--;
        await lease.release();
      }
    }),
  );
  assert.equal(most, 2, 'never more than maxLeases, and the leases were used');
  assert.match(leaseNames[0]!, /^_c_[0-9a-f-]{36}-lease-\d{10}$/);
  assert.deepEqual((await childrenOf(server, path)).sort(), ['leases', 'locks']);
  await assertNoLeftoverNodes(server, `${path}/leases`);
  await assertNoLeftoverNodes(server, `${path}/locks`);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('a timeout or an abort while waiting leaves no lease node behind (CURATOR-462)', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const path = root.child('sem');
  const sem = (c: typeof a) => new Semaphore(c.client, path, { maxLeases: 1 });
  const held = await sem(a).acquire();
  await assert.rejects(sem(b).acquire({ timeoutMs: 200 }), AcquireTimeoutError);
  assert.equal(await sem(b).tryAcquire(), undefined);
  const ac = new AbortController();
  const waiting = sem(b).acquire({ signal: ac.signal });
  await timing.sleep(150);
  ac.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
  assert.equal((await childrenOf(server, `${path}/leases`)).length, 1, 'only the holder');
  await held.release();
  const next = await sem(b).tryAcquire();
  assert.ok(next);
  await next.release();
  await assertNoLeftoverNodes(server, `${path}/leases`);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('SemaphoreMutex is not re-entrant: its own holder cannot take it again', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const m = new SemaphoreMutex(a.client, root.child('m'));
  const first: Lease = await m.acquire();
  assert.equal(await m.tryAcquire(), undefined);
  await first.release();
  const again = await m.tryAcquire();
  assert.ok(again);
  await again.release();
});

test('Curator InterProcessSemaphoreV2 (Java) and Semaphore (TypeScript) share one semaphore', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('shared-sem');
  const holders = new Set<string>();
  let most = 0;
  let mixed = 0; // moments a Java and a TypeScript worker held leases together
  const who: string[] = [];
  const events = {
    enter: (w: string) => {
      holders.add(w);
      most = Math.max(most, holders.size);
      if (new Set([...holders].map((h) => h.split('-')[0])).size === 2) mixed++;
      who.push(w);
    },
    exit: (w: string) => holders.delete(w),
    holdMs: 15, // each holder keeps its lease a little, so the languages overlap in time
  };
  const cs = server.connectString;
  const workers = [
    javaWorkerProcess('java-1', cs, path, 20, 'semaphore:2', events),
    javaWorkerProcess('java-2', cs, path, 20, 'semaphore:2', events),
    tsWorkerProcess('ts-1', cs, path, 20, 'semaphore:2', events),
    tsWorkerProcess('ts-2', cs, path, 20, 'semaphore:2', events),
  ];
  assert.deepEqual(await exitCodes(workers), [0, 0, 0, 0]);
  assert.equal(who.length, 80);
  assert.ok(most <= 2, `at most 2 leases at once across languages (saw ${most})`);
  assert.ok(mixed > 0, 'a Java and a TypeScript worker held leases at the same time');
  await assertNoLeftoverNodes(server, `${path}/leases`);
});
