import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderLatch, observeLeader, runWhileLeader } from '@zk-recipes/leader';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  serverWatches,
  timing,
} from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer();

test('runWhileLeader runs the task only while leading, stops it on loss, and runs it again when leadership returns', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const path = root.child('leader');
  const running = new Set<string>();
  let overlaps = 0;
  const log: string[] = [];
  const start = (client: typeof a.client, id: string) =>
    runWhileLeader(client, path, {
      id,
      onElected: async (signal, epoch) => {
        running.add(id);
        if (running.size > 1) overlaps++;
        log.push(`${id} elected ${epoch > 0n}`);
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        running.delete(id);
      },
      onRevoked: () => log.push(`${id} revoked`),
    });
  const one = await start(a.client, 'one');
  await timing.waitFor(() => running.has('one'));
  const two = await start(b.client, 'two');
  await timing.waitFor(async () => (await one.latch.getParticipants()).length === 2);
  assert.equal(running.has('two'), false, 'not leading: not running');

  await one.latch.resign(); // one steps down: two runs, one waits at the back
  await timing.waitFor(() => running.has('two'));
  assert.equal(running.has('one'), false);
  await two.close(); // two leaves: one runs again
  await timing.waitFor(() => running.has('one'), { message: 'one runs again' });
  await one.close();
  assert.equal(running.size, 0);
  assert.equal(overlaps, 0);
  assert.deepEqual(log, [
    'one elected true',
    'one revoked',
    'two elected true',
    'two revoked',
    'one elected true',
    'one revoked',
  ]);
  await assertNoLeftoverNodes(server, path);
});

test('a task that throws gives leadership up so another participant can run it', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const path = root.child('leader');
  const errors: unknown[] = [];
  let healthyRuns = 0;
  await using broken = await runWhileLeader(a.client, path, {
    id: 'broken',
    onElected: () => {
      throw new Error('cannot start here');
    },
    onError: (e) => errors.push(e),
  });
  await timing.waitFor(() => errors.length >= 1);
  await using healthy = await runWhileLeader(a.client, path, {
    id: 'healthy',
    onElected: async (signal) => {
      healthyRuns++;
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    },
  });
  await timing.waitFor(() => healthyRuns === 1 && healthy.isLeader, { message: 'healthy leads' });
  assert.equal(broken.isLeader, false);
  assert.equal((errors[0] as Error).message, 'cannot start here');
});

test('observeLeader yields who leads now and at each change, and leaves no watch behind', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const path = root.child('leader');
  const seen: (string | undefined)[] = [];
  const ac = new AbortController();
  const observing = (async () => {
    for await (const leader of observeLeader(a.client, path, { signal: ac.signal })) {
      seen.push(leader?.id);
    }
  })();
  await timing.waitFor(() => seen.length === 1);
  const one = new LeaderLatch(a.client, path, { id: 'one' });
  const two = new LeaderLatch(a.client, path, { id: 'two' });
  await one.start();
  await one.awaitLeadership();
  await two.start();
  await timing.waitFor(() => seen.at(-1) === 'one');
  await one.close();
  await timing.waitFor(() => seen.at(-1) === 'two');
  await two.close();
  await timing.waitFor(() => seen.at(-1) === undefined && seen.length === 4);
  assert.deepEqual(seen, [undefined, 'one', 'two', undefined]);
  ac.abort();
  await observing;
  await assertNoLeftoverWatches(server, { under: root.path });

  // Leaving the loop with break removes the watch too.
  await using latch = new LeaderLatch(a.client, path, { id: 'three' });
  await latch.start();
  await latch.awaitLeadership();
  for await (const leader of observeLeader(a.client, path)) {
    assert.equal(leader?.id, 'three');
    break;
  }
  // The latch still watches its own node; the observer's watch on the path itself is gone.
  const watched = [...(await serverWatches(server)).values()].flat();
  assert.ok(
    watched.some((p) => p.startsWith(`${path}/`)),
    'the latch’s own watch is listed',
  );
  assert.ok(!watched.includes(path), 'no watch left on the path');
});
