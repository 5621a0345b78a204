import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestingCluster, WireClient, timing } from '@zk-recipes/testing';

test('a 3-server ensemble serves, survives its leader being killed, and takes it back', async (t) => {
  const began = performance.now();
  await using cluster = await TestingCluster.start({ size: 3 });
  t.diagnostic(`3-server ensemble start to ready: ${Math.round(performance.now() - began)} ms`);
  assert.equal(cluster.size, 3);
  assert.equal(cluster.connectString.split(',').length, 3);

  const first = await cluster.leader();
  const c = await WireClient.connect({ connectString: cluster.connectStringOf(first) });
  await c.create('/before', Buffer.from('1'));
  c.disconnect();

  await cluster.kill(first);
  assert.equal(cluster.isRunning(first), false);
  const electedBegan = performance.now();
  const second = await cluster.leader();
  t.diagnostic(`new leader after kill: ${Math.round(performance.now() - electedBegan)} ms`);
  assert.notEqual(second, first);

  // The survivors still serve reads and writes.
  const other = [0, 1, 2].find((i) => i !== first)!;
  const c2 = await timing.waitFor(
    () =>
      WireClient.connect({ connectString: cluster.connectStringOf(other) }).catch(() => undefined),
    { message: 'a survivor to accept a session' },
  );
  assert.equal((await c2.getData('/before')).data?.toString(), '1');
  await c2.create('/after');
  await c2.closeSession();

  await cluster.restart(first);
  assert.equal(cluster.isRunning(first), true);
  const c3 = await WireClient.connect({ connectString: cluster.connectStringOf(first) });
  assert.notEqual(await c3.exists('/after'), null);
  await c3.closeSession();
  assert.equal(await cluster.leader(), second, 'a rejoining server follows the sitting leader');
});
