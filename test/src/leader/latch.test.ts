import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AcquireTimeoutError,
  IllegalStateError,
  InvalidArgumentError,
  RecipeClosedError,
} from '@zk-recipes/core';
import { LeaderLatch, LeadershipLostError } from '@zk-recipes/leader';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  serverWatches,
  timing,
} from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer();

test("one leader among three latches; Curator's _c_<uuid>-latch-<seq> layout with the id as data", async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const path = root.child('election');
  const latches = ['one', 'two', 'three'].map((id) => new LeaderLatch(a.client, path, { id }));
  for (const l of latches) await l.start();
  const first = await latches[0]!.awaitLeadership({ timeoutMs: 10_000 });
  await timing.waitFor(async () => (await childrenOf(server, path)).length === 3);
  assert.equal(latches.filter((l) => l.hasLeadership()).length, 1);
  assert.ok(latches[0]!.hasLeadership(), 'the first to join leads');
  const names = await childrenOf(server, path);
  assert.ok(
    names.every((n) => /^_c_[0-9a-f-]{36}-latch-\d{10}$/.test(n)),
    names.join(),
  );
  const participants = await latches[1]!.getParticipants();
  assert.deepEqual(
    participants.map((p) => [p.id, p.isLeader]),
    [
      ['one', true],
      ['two', false],
      ['three', false],
    ],
  );
  assert.equal((await latches[2]!.getLeader())?.id, 'one');
  assert.equal(first.epoch, participants[0]!.epoch, "the epoch is the leader node's czxid");

  // Leadership passes down the line as leaders close; epochs grow with each new leader.
  const epochs = [first.epoch];
  const closing = performance.now();
  await latches[0]!.close();
  assert.ok(first.signal.aborted, 'a closed leader’s signal has aborted');
  assert.ok(first.signal.reason instanceof LeadershipLostError);
  const second = await latches[1]!.awaitLeadership({ timeoutMs: 10_000 });
  // Failover: from the leader's close() to the next one's leadership within 1 s.
  assert.ok(performance.now() - closing < timing.ms(1000));
  epochs.push(second.epoch);
  await latches[1]!.close();
  epochs.push((await latches[2]!.awaitLeadership({ timeoutMs: 10_000 })).epoch);
  assert.ok(epochs[0]! < epochs[1]! && epochs[1]! < epochs[2]!, epochs.join(' < '));
  await latches[2]!.close();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: path });
});

test('awaitLeadership: a timeout, an abort and close() end the wait, each with its typed error', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const path = root.child('election');
  await using leader = new LeaderLatch(a.client, path, { id: 'leader' });
  await leader.start();
  await leader.awaitLeadership();
  const other = new LeaderLatch(a.client, path, { id: 'other' });
  await assert.rejects(other.awaitLeadership(), IllegalStateError, 'not started yet');
  await other.start();
  await assert.rejects(other.awaitLeadership({ timeoutMs: 100 }), AcquireTimeoutError);
  const ac = new AbortController();
  const aborted = other.awaitLeadership({ signal: ac.signal });
  ac.abort(new Error('stop waiting'));
  await assert.rejects(aborted, /stop waiting/);
  const closed = assert.rejects(other.awaitLeadership(), RecipeClosedError);
  await other.close();
  await closed;
  await assert.rejects(other.start(), IllegalStateError, 'no restart after close');
  await other.close(); // idempotent
  assert.equal(other.hasLeadership(), false);
});

test('close modes: silent tells no notLeader listener, notifyLeader does; the signal aborts in both', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  for (const mode of ['silent', 'notifyLeader'] as const) {
    const latch = new LeaderLatch(a.client, root.child(mode), { closeMode: mode });
    let notLeader = 0;
    latch.on('notLeader', () => notLeader++);
    await latch.start();
    const { signal } = await latch.awaitLeadership({ timeoutMs: 10_000 });
    await latch.close();
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as LeadershipLostError).why, 'closed');
    assert.equal(notLeader, mode === 'silent' ? 0 : 1, mode);
    await assertNoLeftoverNodes(server, root.child(mode));
  }
});

test("close() sends the leader's delete before its signal's listeners run (the failover starts at once)", async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const latch = new LeaderLatch(a.client, root.child('election'));
  await latch.start();
  const { signal, nodePath } = await latch.awaitLeadership({ timeoutMs: 10_000 });
  // A session's requests are answered in order: an exists() sent from the listener comes after
  // the delete only if the delete left first.
  let seen: Promise<unknown> | undefined;
  signal.addEventListener('abort', () => {
    seen = a.client.exists(nodePath);
  });
  await latch.close();
  assert.equal(await seen, null);
});

test('resign() hands leadership to the next in line and joins again at the back', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const path = root.child('election');
  await using one = new LeaderLatch(a.client, path, { id: 'one' });
  await using two = new LeaderLatch(a.client, path, { id: 'two' });
  await one.start();
  const first = await one.awaitLeadership();
  await two.start();
  await timing.waitFor(async () => (await one.getParticipants()).length === 2);
  await one.resign();
  assert.ok(first.signal.aborted);
  assert.equal((first.signal.reason as LeadershipLostError).why, 'resigned');
  const second = await two.awaitLeadership({ timeoutMs: 10_000 });
  assert.ok(second.epoch > first.epoch);
  await timing.waitFor(async () => (await one.getParticipants()).length === 2);
  assert.deepEqual(
    (await one.getParticipants()).map((p) => p.id),
    ['two', 'one'],
  );
});

test('bad input gets a typed error before anything is sent', async () => {
  await using a = await startedClient({ connectString: server.connectString });
  assert.throws(() => new LeaderLatch(a.client, 'no-slash'), InvalidArgumentError);
  assert.throws(
    () => new LeaderLatch(a.client, '/x', { id: 7 as unknown as string }),
    InvalidArgumentError,
  );
  assert.throws(
    () => new LeaderLatch(a.client, '/x', { closeMode: 'loud' as 'silent' }),
    InvalidArgumentError,
  );
  const latch = new LeaderLatch(a.client, '/x');
  await assert.rejects(latch.awaitLeadership({ timeoutMs: -1 }), InvalidArgumentError);
});

test('100 participants in one process: no more than one watch each on the server, and a new leader wakes one, not all', async () => {
  await using fx = await proxiedClients(server);
  const { root, proxy } = fx;
  const [a] = fx.clients;
  const path = root.child('election');
  const latches = Array.from(
    { length: 100 },
    (_, i) => new LeaderLatch(a.client, path, { id: `p${i}` }),
  );
  for (const l of latches) await l.start();
  await latches[0]!.awaitLeadership({ timeoutMs: 10_000 });
  // Participant i watches node i-1; the leader watches its own node. In one session the
  // server keeps one watch per path, so the leader's and the second's are one: 99 paths, each
  // node but the last, and never two watches on a node from two participants' listings.
  const watchedUnder = async () =>
    [...(await serverWatches(server)).values()].flat().filter((p) => p.startsWith(`${path}/`));
  await timing.waitFor(async () => (await watchedUnder()).length === 99, {
    timeoutMs: 20_000,
    message: 'a watch on each node but the last',
  });
  const nodes = (await latches[0]!.getParticipants()).map((p) => p.nodePath);
  assert.deepEqual(new Set(await watchedUnder()), new Set(nodes.slice(0, 99)));

  const reads = () =>
    (['getChildren', 'getChildren2', 'getData', 'exists'] as const).reduce(
      (n, op) => n + proxy.requestCount(op),
      0,
    );
  const before = reads();
  await latches[0]!.close();
  await latches[1]!.awaitLeadership({ timeoutMs: 10_000 });
  await timing.sleep(300);
  const requests = reads() - before;
  // The next in line lists once and watches its own node: not 99 listings (no herd).
  assert.ok(requests <= 3, `${requests} reads after the leader left`);
  for (const l of latches) await l.close();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: path });
});

test('a listener that throws is reported on the error event and does not stop the latch', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  await using latch = new LeaderLatch(a.client, root.child('election'));
  const errors: unknown[] = [];
  latch.on('isLeader', () => {
    throw new Error('listener bug');
  });
  latch.on('error', (e) => errors.push(e));
  let told = false;
  const off = latch.on('isLeader', () => (told = true));
  await latch.start();
  await latch.awaitLeadership({ timeoutMs: 10_000 });
  assert.equal(told, true, 'the other listeners still ran');
  assert.equal((errors[0] as Error).message, 'listener bug');
  off();
  assert.equal(latch.hasLeadership(), true);
});
