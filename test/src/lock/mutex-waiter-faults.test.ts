// A waiter's reads (the listing of the line, the watch on its predecessor) are retried on the
// same session like every other request: a connection cut while one is in flight is not the
// end of the wait. Acquire rejects only with what its docs list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AcquireTimeoutError,
  ClientClosedError,
  RetriesExhaustedError,
  SessionExpiredError,
} from '@zk-recipes/core';
import { Mutex } from '@zk-recipes/lock';
import { assertNoLeftoverNodes, timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('a waiter whose watch on its predecessor, or whose listing, lost its reply with the connection still gets the lock', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ direct: true }, { sessionTimeoutMs: 6000 }],
  });
  const { root, proxy } = fx;
  const [holder, waiter] = fx.clients;
  const path = root.child('lock');
  for (const op of ['getData', 'getChildren2'] as const) {
    const lease = await new Mutex(holder.client, path).acquire();
    // getChildren2 twice: the listing behind the create, then the one the waiter sends itself.
    const drops = [proxy.dropNextReply({ op, path: op === 'getData' ? /lock-/ : path })];
    if (op === 'getChildren2') drops.push(proxy.dropNextReply({ op, path }));
    const mutex = new Mutex(waiter.client, path);
    const pending = mutex.acquire({ timeoutMs: timing.ms(20_000) });
    await Promise.all(drops);
    await timing.waitFor(async () => (await mutex.participants()).length === 2, {
      message: `the waiter in line after its ${op} reply was lost`,
    });
    await lease.release();
    const granted = await pending;
    await granted.release();
  }
  await timing.waitFor(() => waiter.client.pendingBackgroundJobs === 0);
  await assertNoLeftoverNodes(server, path);
});

test('acquirers under connections cut again and again (waiters mid-request) are granted or reject only with documented errors', async (t) => {
  const acquirers = 4;
  await using fx = await proxiedClients(server, {
    clients: Array.from({ length: acquirers }, () => ({ sessionTimeoutMs: 8000 })),
  });
  const { root, proxy } = fx;
  const path = root.child('lock');
  const documented = (e: unknown) =>
    e instanceof AcquireTimeoutError ||
    e instanceof SessionExpiredError ||
    e instanceof ClientClosedError ||
    e instanceof RetriesExhaustedError;
  const errors: unknown[] = [];
  let grants = 0;
  let cuts = 0;
  let stop = false;
  const loops = fx.clients.map(async ({ client }) => {
    const mutex = new Mutex(client, path);
    while (!stop) {
      try {
        const lease = await mutex.acquire({ timeoutMs: timing.ms(30_000) });
        grants++;
        await sleep(2);
        await lease.release();
      } catch (e) {
        errors.push(e);
      }
    }
  });
  // Cut every connection at random, and now and then exactly when a waiter's read is in flight
  // (its reply dropped, then its connection cut).
  const cutting = (async () => {
    const began = Date.now();
    while (Date.now() - began < 10_000) {
      if (cuts % 4 === 0) {
        void proxy.dropNextReply({ op: cuts % 8 === 0 ? 'getData' : 'getChildren2' });
      }
      await sleep(80 + Math.random() * 120);
      proxy.closeAll();
      cuts++;
    }
  })();
  await cutting;
  stop = true;
  proxy.heal();
  await Promise.all(loops);
  const summary = `${grants} grants, ${errors.length} errors, ${cuts} cuts`;
  t.diagnostic(summary);
  assert.ok(cuts > 50, summary);
  assert.ok(grants > 20, summary);
  const undocumented = errors.filter((e) => !documented(e));
  assert.deepEqual(
    undocumented.map((e) => `${(e as Error).name}: ${(e as Error).message}`),
    [],
    summary,
  );
  for (const { client } of fx.clients) {
    await timing.waitFor(() => client.pendingBackgroundJobs === 0, { timeoutMs: 20_000 });
  }
  await assertNoLeftoverNodes(server, path);
});
