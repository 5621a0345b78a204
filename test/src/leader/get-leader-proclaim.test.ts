// One-shot leader lookup, and a leader telling followers where it serves (etcd's Proclaim).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IllegalStateError, InvalidArgumentError } from '@zk-recipes/core';
import { getLeader, LeaderLatch, LeaderSelector } from '@zk-recipes/leader';
import { timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('getLeader reads who leads, for latches and selectors; undefined when nobody does', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [{ client }] = fx.clients;
  const path = root.child('election');
  assert.equal(await getLeader(client, path), undefined);
  await using latch = new LeaderLatch(client, path, { id: 'one' });
  await latch.start();
  await latch.awaitLeadership({ timeoutMs: 5_000 });
  assert.equal((await getLeader(client, path))?.id, 'one');
  assert.equal(await getLeader(client, path, { kind: 'selector' }), undefined);
  await assert.rejects(getLeader(client, path, { kind: 'x' as never }), InvalidArgumentError);

  const jobs = root.child('jobs');
  let release!: () => void;
  await using selector = new LeaderSelector(client, jobs, {
    id: 'worker',
    takeLeadership: () => new Promise<void>((r) => (release = r)),
  });
  await selector.start();
  await timing.waitFor(() => selector.hasLeadership());
  assert.equal((await getLeader(client, jobs, { kind: 'selector' }))?.id, 'worker');
  release();
});

test('proclaim: the leader replaces its id; a follower cannot', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [{ client }] = fx.clients;
  const path = root.child('election');
  await using leader = new LeaderLatch(client, path, { id: 'a' });
  await using follower = new LeaderLatch(client, path, { id: 'b' });
  await leader.start();
  await leader.awaitLeadership({ timeoutMs: 5_000 });
  await follower.start();
  await timing.waitFor(async () => (await follower.getParticipants()).length === 2);
  await assert.rejects(follower.proclaim('b2'), IllegalStateError);
  await leader.proclaim('10.0.0.7:8080');
  assert.equal((await getLeader(client, path))?.id, '10.0.0.7:8080');
  assert.deepEqual(
    (await follower.getParticipants()).map((p) => p.id),
    ['10.0.0.7:8080', 'b'],
  );
});
