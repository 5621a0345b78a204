import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderLatch, type Leadership } from '@zk-recipes/leader';
import {
  assertNoLeftoverNodes,
  expireSession,
  FaultProxy,
  TestingCluster,
  timing,
  WireClient,
} from '@zk-recipes/testing';
import { startedClient, type StartedClient } from '../support/core-helpers.js';

interface Participant {
  id: string;
  /** One proxy per ensemble member, in front of this participant's client only. */
  proxies: FaultProxy[];
  started: StartedClient;
  latch: LeaderLatch;
}

test('at most one leader: 5 participants on a 3-server ensemble while servers die, connections are cut and sessions expire', async (t) => {
  await using cluster = await TestingCluster.start({ size: 3, tickTimeMs: 200 });
  const setup = await WireClient.connect({ connectString: cluster.connectString });
  const path = `/election-${Date.now()}`;
  await setup.create(path);
  await setup.closeSession();

  const participants: Participant[] = [];
  const leading = new Map<string, Leadership>();
  const violations: string[] = [];
  const grants: { id: string; epoch: bigint; nodePath: string }[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const proxies = await Promise.all(
        [0, 1, 2].map((s) => FaultProxy.start(cluster.connectStringOf(s))),
      );
      const started = await startedClient({
        connectString: proxies.map((p) => p.connectString).join(','),
        sessionTimeoutMs: 3000,
      });
      const id = `p${i}`;
      const latch = new LeaderLatch(started.client, path, { id });
      latch.on('isLeader', (l) => {
        // The checker: whoever is told it leads, every other participant's leadership signal
        // must have aborted already.
        for (const [other, ol] of leading) {
          if (other !== id && !ol.signal.aborted)
            violations.push(`${id} elected while ${other} led`);
        }
        leading.set(id, l);
        grants.push({ id, epoch: l.epoch, nodePath: l.nodePath });
      });
      participants.push({ id, proxies, started, latch });
      await latch.start();
    }

    const leader = () => participants.find((p) => p.latch.hasLeadership());
    const faults: string[] = [];
    const until = Date.now() + timing.ms(16_000);
    for (let step = 0; Date.now() < until; step++) {
      const target = leader() ?? participants[step % 5]!;
      switch (step % 4) {
        case 0: {
          // Kill the ensemble member the leader talks to (a quorum of two remains).
          const server = target.started.client.connectedServer;
          const index = target.proxies.findIndex((p) => server?.endsWith(`:${p.port}`));
          const victim = index >= 0 ? index : step % 3;
          faults.push(`kill server ${victim}`);
          await cluster.kill(victim);
          await timing.sleep(1500);
          await cluster.restart(victim);
          break;
        }
        case 1:
          faults.push(`cut ${target.id}`);
          target.proxies.forEach((p) => p.closeAll());
          break;
        case 2: {
          faults.push(`partition ${target.id}`);
          target.proxies.forEach((p) => p.partition());
          await timing.sleep(4000); // longer than its session: it must lose it
          target.proxies.forEach((p) => p.heal());
          break;
        }
        case 3:
          // Expire the session of a participant cut off first (it hears SUSPENDED, then the
          // server drops the session). Closing the session of a still-connected participant
          // would tell it and the next in line at the same moment: a race no client can win,
          // which only the epoch covers.
          faults.push(`cut off and expire ${target.id}`);
          target.proxies.forEach((p) => p.partition());
          await timing.waitFor(() => target.started.client.state === 'SUSPENDED', {
            timeoutMs: 10_000,
          });
          await expireSession(target.started.client, cluster.connectStringOf(step % 3)).catch(
            () => undefined, // the session may be changing hands already
          );
          target.proxies.forEach((p) => p.heal());
          break;
      }
      await timing.sleep(1000);
    }
    t.diagnostic(`faults: ${faults.join(', ')}`);

    await timing.waitFor(() => leader() !== undefined, { timeoutMs: 20_000, message: 'a leader' });
    // The line is read through p0's server, which may apply the others' changes (a node gone
    // with its session, a new one) after their servers did: p0 is made current before each read,
    // so that the leader's belief is compared with the line as it stands.
    const line = async () => {
      await participants[0]!.started.client.sync(path);
      return participants[0]!.latch.getParticipants();
    };
    await timing.waitFor(async () => (await line()).length === 5, {
      timeoutMs: 20_000,
      message: 'each participant back in line, with one node',
    });
    const ps = await line();
    assert.deepEqual(ps.map((p) => p.id).sort(), ['p0', 'p1', 'p2', 'p3', 'p4']);
    assert.equal(participants.filter((p) => p.latch.hasLeadership()).length, 1);
    assert.equal(leader()!.id, ps[0]!.id, 'the one that believes it leads is first in line');
    t.diagnostic(`${grants.length} elections: ${grants.map((g) => g.id).join(' ')}`);
    assert.deepEqual(violations, []);
    assert.ok(
      new Set(grants.map((g) => g.nodePath)).size >= 3,
      'leadership moved under the faults',
    );
    // Epochs never go back; a new leader (a new node) always has a greater one.
    for (let i = 1; i < grants.length; i++) {
      const [a, b] = [grants[i - 1]!, grants[i]!];
      if (a.nodePath === b.nodePath) assert.equal(a.epoch, b.epoch);
      else assert.ok(b.epoch > a.epoch, `${b.id} ${b.epoch} after ${a.id} ${a.epoch}`);
    }
  } finally {
    for (const p of participants) {
      await p.latch.close();
      await p.started.client.close();
      for (const proxy of p.proxies) await proxy.close();
    }
  }
  await assertNoLeftoverNodes(cluster, path);
});
