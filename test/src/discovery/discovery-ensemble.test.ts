// Services × instances registered from several processes on a 3-server ensemble, one server
// killed while they register: every process's caches (one per service) converge to the
// server's state within 1 s of quiet. Scaled down by default; ZK_SOAK=1 runs the full size
// (50 services × 20 instances across 5 processes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '@zk-recipes/core';
import { TestingCluster, TestRoot, timing } from '@zk-recipes/testing';
import { DiscoveryWorker } from '../support/discovery-workers.js';

const SOAK = process.env.ZK_SOAK === '1';
const SERVICES = SOAK ? 50 : 4;
const INSTANCES = SOAK ? 20 : 4;
const PROCESSES = SOAK ? 5 : 2;

test(`${SERVICES} services × ${INSTANCES} instances across ${PROCESSES} processes on a 3-server ensemble, a server killed while they register: every cache converges to the server's state within 1 s of quiet`, async (t) => {
  const began = Date.now();
  await using cluster = await TestingCluster.start({ size: 3 });
  t.diagnostic(`ensemble up in ${Date.now() - began} ms`);
  await using root = await TestRoot.create(cluster);
  const basePath = root.child('s');
  const names = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
  const workers: DiscoveryWorker[] = [];
  // Every worker is killed however the test ends.
  t.after(() => Promise.all(workers.map((w) => w[Symbol.asyncDispose]())));
  for (let p = 0; p < PROCESSES; p++) {
    workers.push(await DiscoveryWorker.start(cluster.connectString, basePath, 6000));
  }
  await Promise.all(workers.map((w) => w.watch(names)));
  const perProcess = INSTANCES / PROCESSES;
  // Ids are unique within a discovery (as Curator keys its registrations by id).
  const registering = Promise.all(
    workers.map((w, p) =>
      w.register(
        names.flatMap((name) =>
          Array.from({ length: perProcess }, (_, k) => ({
            name,
            id: `${name}-p${p}-i${k}`,
            port: 1000 + k,
          })),
        ),
      ),
    ),
  );
  await new Promise((r) => setTimeout(r, 50));
  const killed = await cluster.leader();
  await cluster.kill(killed);
  await registering;
  const registeredAt = Date.now();

  // The server's state, read afresh.
  const reader = createClient({ connectString: cluster.connectString });
  await reader.start();
  const truth: Record<string, string[]> = {};
  try {
    for (const name of names) {
      truth[name] = (await reader.getChildren(`${basePath}/${name}`)).children.sort();
    }
  } finally {
    await reader.close();
  }
  for (const name of names) assert.equal(truth[name]!.length, INSTANCES, name);
  // Quiet: every registration made and the ensemble serving again (a fresh client read it all).
  const quietAt = Date.now();
  t.diagnostic(`quiet ${quietAt - registeredAt} ms after the last registration resolved`);

  let converged: number;
  for (;;) {
    const snaps = await Promise.all(workers.map((w) => w.snapshot()));
    if (snaps.every((s) => names.every((n) => s[n]!.join() === truth[n]!.join()))) {
      converged = Date.now() - quietAt;
      break;
    }
    assert.ok(Date.now() - quietAt < timing.ms(10_000), 'the caches never converged');
    await new Promise((r) => setTimeout(r, 20));
  }
  t.diagnostic(`converged ${converged} ms after quiet (${SERVICES * INSTANCES} instances)`);
  assert.ok(converged <= timing.ms(1000), `converged ${converged} ms after quiet`);
  await Promise.all(workers.map((w) => w.close()));
});
