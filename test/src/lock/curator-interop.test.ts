import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoLeftoverNodes, childrenOf, TestRoot, timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { exitCodes, javaWorkerProcess, tsWorkerProcess } from '../support/workers.js';

const server = sharedServer({ tickTimeMs: 200 });

test('Curator InterProcessMutex (Java) and Mutex (TypeScript) exclude each other on one path', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('shared-lock');
  const holders = new Set<string>();
  let maxHolders = 0;
  const grants: { who: string; token: bigint }[] = [];
  const events = {
    enter: (who: string, token: bigint) => {
      holders.add(who);
      maxHolders = Math.max(maxHolders, holders.size);
      grants.push({ who, token });
    },
    exit: (who: string) => holders.delete(who),
    // The first holder keeps the lock until all four wait in line (a JVM starts seconds after a
    // Node process, and on a loaded machine two TypeScript workers could otherwise take most
    // of their turns alone): from then on the line's order makes the languages alternate.
    // Once: a worker that never joins fails the test after one wait, not one per grant.
    gate: () =>
      (lined ??= timing.waitFor(async () => (await childrenOf(server, path)).length >= 4, {
        timeoutMs: 30_000,
        message: 'all four workers to wait in line',
      })),
  };
  let lined: Promise<unknown> | undefined;
  const cs = server.connectString;
  const workers = [
    javaWorkerProcess('java-1', cs, path, 25, 'mutex', events),
    javaWorkerProcess('java-2', cs, path, 25, 'mutex', events),
    tsWorkerProcess('ts-1', cs, path, 25, 'mutex', events),
    tsWorkerProcess('ts-2', cs, path, 25, 'mutex', events),
  ];
  assert.deepEqual(await exitCodes(workers), [0, 0, 0, 0]);
  assert.equal(grants.length, 100);
  assert.equal(maxHolders, 1, 'never two holders, across languages');
  const lang = (who: string) => who.split('-')[0];
  assert.deepEqual(
    [...new Set(grants.map((g) => lang(g.who)))].sort(),
    ['java', 'ts'],
    'both languages held the lock',
  );
  for (let i = 1; i < grants.length; i++) {
    assert.ok(grants[i]!.token > grants[i - 1]!.token, `grant ${i}: tokens rise in grant order`);
  }
  // The two interleave: Java waited behind TypeScript nodes and the other way round.
  const switches = grants.filter(
    (g, i) => i > 0 && lang(g.who) !== lang(grants[i - 1]!.who),
  ).length;
  assert.ok(switches >= 5, `the languages alternated ${switches} times`);
  await assertNoLeftoverNodes(server, path);
});
