import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { AcquireTimeoutError } from '@zk-recipes/core';
import { Semaphore, SemaphoreMutex, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  TestRoot,
  WireClient,
  timing,
} from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';
import { compiledJava } from '../support/java.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const tsWorker = fileURLToPath(new URL('../support/lock-worker.js', import.meta.url));

async function children(path: string): Promise<string[]> {
  const c = await WireClient.connect({ connectString: server.connectString });
  try {
    return await c.getChildren(path).catch(() => []);
  } finally {
    await c.closeSession();
  }
}

test("at most maxLeases holders at once; Curator's SemaphoreV2 layout", async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('sem');
  const clients = await Promise.all(
    [0, 1, 2, 3, 4].map(() => startedClient({ connectString: server.connectString })),
  );
  try {
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
          leaseNames = leaseNames.length ? leaseNames : await children(`${path}/leases`);
          await timing.sleep(30);
          inside--;
          await lease.release();
        }
      }),
    );
    assert.equal(most, 2, 'never more than maxLeases, and the leases were used');
    assert.match(leaseNames[0]!, /^_c_[0-9a-f-]{36}-lease-\d{10}$/);
    assert.deepEqual((await children(path)).sort(), ['leases', 'locks']);
    await assertNoLeftoverNodes(server, `${path}/leases`);
    await assertNoLeftoverNodes(server, `${path}/locks`);
    await assertNoLeftoverWatches(server, { under: root.path });
  } finally {
    for (const c of clients) await c.client.close();
  }
});

test('a timeout or an abort while waiting leaves no lease node behind (CURATOR-462)', async () => {
  await using root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
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
  assert.equal((await children(`${path}/leases`)).length, 1, 'only the holder');
  await held.release();
  const next = await sem(b).tryAcquire();
  assert.ok(next);
  await next.release();
  await assertNoLeftoverNodes(server, `${path}/leases`);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('SemaphoreMutex is not re-entrant: its own holder cannot take it again', async () => {
  await using root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  const m = new SemaphoreMutex(a.client, root.child('m'));
  const first: Lease = await m.acquire();
  assert.equal(await m.tryAcquire(), undefined);
  await first.release();
  const again = await m.tryAcquire();
  assert.ok(again);
  await again.release();
});

test('Curator InterProcessSemaphoreV2 (Java) and Semaphore (TypeScript) share one semaphore', async () => {
  const classPath = compiledJava('CuratorSemaphoreWorker');
  await using root = await TestRoot.create(server);
  const path = root.child('shared-sem');
  const holders = new Set<string>();
  let most = 0;
  let mixed = 0; // moments a Java and a TypeScript worker held leases together
  const who: string[] = [];
  const enter = (w: string) => {
    holders.add(w);
    most = Math.max(most, holders.size);
    if (new Set([...holders].map((h) => h.split('-')[0])).size === 2) mixed++;
    who.push(w);
  };
  // Each holder keeps its lease a little, so the languages overlap in time.
  const later = (fn: () => void) => setTimeout(fn, 15);
  const workers: ChildProcess[] = [];
  for (const name of ['java-1', 'java-2']) {
    const child = spawn(
      'java',
      ['-cp', classPath, 'CuratorSemaphoreWorker', server.connectString, path, '2', '20'],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('enter')) enter(name);
      else if (line === 'exit') holders.delete(name);
      else return;
      later(() => child.stdin.write('ack\n'));
    });
    workers.push(child);
  }
  for (const name of ['ts-1', 'ts-2']) {
    const child = fork(tsWorker, [server.connectString, path, '20', 'semaphore:2'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (m: { type: string }) => {
      if (m.type === 'enter') enter(name);
      else holders.delete(name);
      later(() => child.send('ack'));
    });
    workers.push(child);
  }
  const codes = await Promise.all(workers.map(async (w) => (await once(w, 'exit'))[0] as number));
  assert.deepEqual(codes, [0, 0, 0, 0]);
  assert.equal(who.length, 80);
  assert.ok(most <= 2, `at most 2 leases at once across languages (saw ${most})`);
  assert.ok(mixed > 0, 'a Java and a TypeScript worker held leases at the same time');
  assert.deepEqual([...new Set(who.map((w) => w.split('-')[0]))].sort(), ['java', 'ts']);
  await assertNoLeftoverNodes(server, `${path}/leases`);
});
