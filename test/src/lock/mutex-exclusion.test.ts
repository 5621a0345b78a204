import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoLeftoverNodes, assertNoLeftoverWatches, TestRoot } from '@zk-recipes/testing';
import { ExclusionChecker } from '../support/exclusion.js';
import { ExclusionPool } from '../support/exclusion-pool.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });

const PROCESSES = 8;
const ROUNDS = 250;

test('mutual exclusion: 8 processes x 250 acquisitions with a shared checker; never two holders; fencing tokens strictly increasing in grant order', async (t) => {
  await using root = await TestRoot.create(server);
  using checker = ExclusionChecker.create();
  const path = root.child('lock');
  await using pool = await ExclusionPool.start(
    Array.from({ length: PROCESSES }, (_, i) => ({
      who: `w${i}`,
      connectString: server.connectString,
      path,
      rounds: ROUNDS,
      dir: checker.dir,
      sessionTimeoutMs: 10_000,
      maxHoldMs: 2,
    })),
  );
  const began = performance.now();
  const stats = await pool.done();
  const elapsed = performance.now() - began;
  // Every session is still open: a node or a watch left now would be an orphan.
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
  assert.deepEqual(await pool.exit(), Array(PROCESSES).fill(0));

  const report = checker.verify(); // never two holders; tokens rise in grant order
  assert.equal(report.grants.length, PROCESSES * ROUNDS);
  for (const s of stats) {
    assert.equal(s.granted, ROUNDS);
    assert.deepEqual(s.errors, {});
  }
  // The grants really interleaved: a process rarely got the lock twice in a row.
  let handOvers = 0;
  for (let i = 1; i < report.grants.length; i++) {
    if (report.grants[i]!.who !== report.grants[i - 1]!.who) handOvers++;
  }
  assert.ok(handOvers > report.grants.length / 2, `${handOvers} hand-overs between processes`);
  t.diagnostic(
    `${PROCESSES} x ${ROUNDS} grants in ${(elapsed / 1000).toFixed(1)} s, ${handOvers} hand-overs between processes`,
  );
});
