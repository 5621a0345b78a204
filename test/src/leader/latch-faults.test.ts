import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderLatch, LeadershipLostError, type Leadership } from '@zk-recipes/leader';
import {
  assertNoLeftoverNodes,
  childrenOf,
  expireSession,
  timing,
  WireClient,
} from '@zk-recipes/testing';
import type { ZkClient } from '@zk-recipes/core';
import { waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

/** Records every isLeader across latches and fails on a second leader while one's signal lives. */
function checker() {
  const current = new Map<LeaderLatch, Leadership>();
  const epochs: bigint[] = [];
  const violations: string[] = [];
  return {
    epochs,
    violations,
    watch(latch: LeaderLatch) {
      latch.on('isLeader', (l) => {
        for (const [other, ol] of current) {
          if (other !== latch && !ol.signal.aborted) violations.push(`${latch.id} and ${other.id}`);
        }
        current.set(latch, l);
        epochs.push(l.epoch);
      });
    },
  };
}

/** `one` leads (on client a), `two` waits behind it (on client b); both watched by a checker. */
async function leaderThenFollower(a: ZkClient, b: ZkClient, path: string) {
  const check = checker();
  const one = new LeaderLatch(a, path, { id: 'one' });
  const two = new LeaderLatch(b, path, { id: 'two' });
  check.watch(one);
  check.watch(two);
  await one.start();
  const first = await one.awaitLeadership();
  await two.start();
  await timing.waitFor(async () => (await two.getParticipants()).length === 2);
  const dispose = async () => {
    await one.close();
    await two.close();
  };
  return { one, two, first, check, [Symbol.asyncDispose]: dispose };
}

test('a partitioned leader’s signal aborts before another participant is elected', async (t) => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 2000 }, { direct: true }],
  });
  const { root, proxy } = fx;
  const [a, b] = fx.clients;
  await using pair = await leaderThenFollower(a.client, b.client, root.child('leader'));
  const { one, two, first: lead, check } = pair;
  let abortedAt = 0;
  lead.signal.addEventListener('abort', () => (abortedAt = performance.now()));
  const at = performance.now();
  proxy.partition();
  const next = await two.awaitLeadership({ timeoutMs: 20_000 });
  const electedAt = performance.now();
  t.diagnostic(
    `partition +0: old leader's signal +${Math.round(abortedAt - at)} ms, new leader +${Math.round(electedAt - at)} ms`,
  );
  assert.ok(abortedAt > 0 && abortedAt < electedAt);
  assert.equal((lead.signal.reason as LeadershipLostError).why, 'connection');
  assert.ok(next.epoch > lead.epoch);
  assert.deepEqual(check.violations, []);
  proxy.heal();
  // The old leader joins again on a new session, behind the new leader.
  await timing.waitFor(async () => (await two.getParticipants()).length === 2, {
    timeoutMs: 15_000,
    message: 'the old leader is back in line',
  });
  assert.equal(one.hasLeadership(), false);
});

test('a leader whose session expires is replaced, and rejoins on its new session with a new node (CURATOR-696)', async (t) => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 4000 }, {}],
    proxy: false,
  });
  const { root } = fx;
  const [a, b] = fx.clients;
  await using pair = await leaderThenFollower(a.client, b.client, root.child('leader'));
  const { one, two, first, check } = pair;
  const oldSession = a.client.session!.sessionId;
  const at = performance.now();
  await expireSession(a.client, server); // resolves once the server has expired it
  const expiredAt = performance.now();
  await two.awaitLeadership({ timeoutMs: 10_000 });
  const tookMs = performance.now() - expiredAt;
  t.diagnostic(
    `expiry requested to new leader: ${Math.round(performance.now() - at)} ms; expired to new leader: ${Math.round(tookMs)} ms`,
  );
  // Failover: the next participant leads within 1 s of ZooKeeper deleting the old node.
  assert.ok(tookMs < timing.ms(1000), `${Math.round(tookMs)} ms`);
  await waitForNewSession(a.client, oldSession);
  await timing.waitFor(
    async () => {
      const ps = await two.getParticipants();
      return ps.length === 2 && ps[1]!.id === 'one' && ps[1]!.nodePath !== first.nodePath;
    },
    { message: 'a new node on the new session, behind the new leader' },
  );
  assert.ok(first.signal.aborted);
  assert.equal(one.hasLeadership(), false);
  // No two-leader check here: a session closed under a connected client is news to that client
  // and to the next in line at the same moment, so either may hear first. Only the epoch
  // protects against that (CURATOR-206); the ensemble test expires sessions of cut-off
  // participants, which must hear first.
  assert.deepEqual(
    check.epochs,
    [...check.epochs].sort((x, y) => (x < y ? -1 : 1)),
  );
});

test('the leader’s node deleted after isLeader ends its leadership at once (CURATOR-620)', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  await using pair = await leaderThenFollower(a.client, b.client, root.child('leader'));
  const { one, two, first, check } = pair;
  const admin = await WireClient.connect({ connectString: server.connectString });
  await admin.delete(first.nodePath);
  await admin.closeSession();
  const second = await two.awaitLeadership({ timeoutMs: 10_000 });
  // The deletion reaches both clients at once, so the old leader may hear a moment after the
  // new one leads (no client can do better; the epoch is what protects). What CURATOR-620
  // broke was the old leader never hearing: its signal must abort, for the node's reason.
  await timing.waitFor(() => first.signal.aborted, { message: 'the old leader is told' });
  assert.equal((first.signal.reason as LeadershipLostError).why, 'node');
  assert.ok(second.epoch > first.epoch);
  await timing.waitFor(async () => (await two.getParticipants()).length === 2, {
    message: 'one is back in line with a new node',
  });
  assert.equal(one.hasLeadership(), false);
  assert.equal(check.epochs.length, 2, 'one isLeader each; the old one did not lead again');
});

test('fast successive reconnects leave one node per latch and one leader (CURATOR-504, CURATOR-644)', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 6000 }, { sessionTimeoutMs: 6000 }],
  });
  const { root, proxy } = fx;
  const [a, b] = fx.clients;
  const path = root.child('leader');
  const check = checker();
  const latches = [
    new LeaderLatch(a.client, path, { id: 'a1' }),
    new LeaderLatch(a.client, path, { id: 'a2' }),
    new LeaderLatch(b.client, path, { id: 'b1' }),
  ];
  latches.forEach((l) => check.watch(l));
  for (const l of latches) await l.start();
  // Which one leads first depends on which create the server takes first.
  await timing.waitFor(() => latches.some((l) => l.hasLeadership()));
  for (let i = 0; i < 8; i++) {
    proxy.closeAll();
    await timing.sleep(i % 2 ? 20 : 120);
  }
  await timing.waitFor(() => latches.some((l) => l.hasLeadership()), {
    timeoutMs: 15_000,
    message: 'a leader again',
  });
  await timing.sleep(500);
  const participants = await latches[0]!.getParticipants();
  assert.deepEqual(participants.map((p) => p.id).sort(), ['a1', 'a2', 'b1'], 'one node per latch');
  assert.equal(latches.filter((l) => l.hasLeadership()).length, 1);
  assert.equal(latches.find((l) => l.hasLeadership())!.id, participants[0]!.id);
  assert.deepEqual(check.violations, []);
  for (const l of latches) await l.close();
  await assertNoLeftoverNodes(server, path);
});

test('two latches under repeated drops settle on one leader and stop handing it back and forth (CURATOR-645)', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 3000 }, { sessionTimeoutMs: 3000 }],
  });
  const { root, proxy } = fx;
  const [a, b] = fx.clients;
  const path = root.child('leader');
  await using one = new LeaderLatch(a.client, path, { id: 'one' });
  await using two = new LeaderLatch(b.client, path, { id: 'two' });
  let elections = 0;
  one.on('isLeader', () => elections++);
  two.on('isLeader', () => elections++);
  await one.start();
  await two.start();
  await timing.waitFor(() => one.hasLeadership() || two.hasLeadership());
  for (let i = 0; i < 5; i++) {
    proxy.closeAll();
    await timing.sleep(150);
  }
  await timing.waitFor(() => one.hasLeadership() || two.hasLeadership(), { timeoutMs: 15_000 });
  const settled = elections;
  await timing.sleep(2000);
  assert.equal(elections, settled, 'no leadership changes once the faults stop');
  assert.equal(Number(one.hasLeadership()) + Number(two.hasLeadership()), 1);
});

test('close() racing the predecessor’s deletion leaves no node re-created after close (CURATOR-3)', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  for (let i = 0; i < 15; i++) {
    const path = root.child(`race-${i}`);
    const leader = new LeaderLatch(a.client, path, { id: 'leader' });
    const waiter = new LeaderLatch(b.client, path, { id: 'waiter' });
    await leader.start();
    await leader.awaitLeadership();
    await waiter.start();
    await timing.waitFor(async () => (await childrenOf(server, path)).length === 2);
    // Both at once: the waiter's watch fires while it closes.
    await Promise.all([
      leader.close(),
      i % 2 ? waiter.close() : timing.sleep(i % 3).then(() => waiter.close()),
    ]);
    await timing.sleep(50);
    assert.deepEqual(await childrenOf(server, path), [], `round ${i}`);
    assert.equal(waiter.hasLeadership(), false);
  }
});
