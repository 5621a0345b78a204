import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverMode, TestingCluster, WireClient, timing } from '@zk-recipes/testing';

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
  // It is a member again. Usually it follows the sitting leader, but the ensemble elects
  // again whenever its leader loses a quorum (on a loaded machine, a follower late past
  // syncLimit), and then any of the three may lead: ZooKeeper's choice, not the harness's.
  // Seen once in about 20 suite runs: server 0 led after the restart where server 1 had led
  // before it; the cause was not visible (the cluster's logs go with it).
  const port = Number(cluster.connectStringOf(first).split(':')[1]);
  const mode = await timing.waitFor(
    async () => {
      const m = await serverMode('127.0.0.1', port);
      return m === 'follower' || m === 'leader' ? m : undefined;
    },
    { message: 'the restarted server to join the ensemble' },
  );
  const leader = await cluster.leader();
  assert.equal(mode === 'leader', leader === first, 'one leader, as the servers report it');
  if (leader !== second) t.diagnostic(`the ensemble elected again: ${second} led, now ${leader}`);
});
