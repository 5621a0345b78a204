import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '@zk-recipes/core';
import { LeaderSelector, LeadershipLostError } from '@zk-recipes/leader';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  expireSession,
  timing,
} from '@zk-recipes/testing';
import { waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

/** Resolves when the signal aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));

test('leadership lasts while takeLeadership runs; one leader at a time; the mutex layout with the id as data', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const path = root.child('jobs');
  let leading = 0;
  let overlaps = 0;
  const turns: { id: string; epoch: bigint }[] = [];
  const make = (id: string): LeaderSelector =>
    new LeaderSelector(a.client, path, {
      id,
      takeLeadership: async (_signal, epoch) => {
        if (++leading > 1) overlaps++;
        turns.push({ id, epoch });
        if (turns.length === 1) {
          const names = await childrenOf(server, path);
          assert.equal(names.length, 3);
          assert.ok(
            names.every((n) => /^_c_[0-9a-f-]{36}-lock-\d{10}$/.test(n)),
            names.join(),
          );
          const ids = (await selectors[0]!.getParticipants()).map((p) => p.id);
          assert.deepEqual(ids.sort(), ['a', 'b', 'c']);
        }
        await timing.sleep(50);
        leading--;
      },
    });
  const selectors: LeaderSelector[] = ['a', 'b', 'c'].map(make);
  // Started together, as the layout check in the first turn expects all three nodes in line:
  // start() resolves once a selector's node exists, so awaiting each in turn let the first
  // lead (and list) before the others had joined.
  await Promise.all(selectors.map((s) => s.start()));
  await timing.waitFor(() => turns.length === 3, { message: 'each led once' });
  assert.equal(overlaps, 0);
  assert.deepEqual(turns.map((t) => t.id).sort(), ['a', 'b', 'c']);
  assert.ok(turns[0]!.epoch < turns[1]!.epoch && turns[1]!.epoch < turns[2]!.epoch);
  await timing.sleep(200);
  assert.equal(turns.length, 3, 'without autoRequeue each leads once');
  assert.equal(selectors[0]!.requeue(), true);
  assert.equal(selectors[0]!.requeue(), false, 'already queued');
  await timing.waitFor(() => turns.length === 4, { message: 'a requeued turn' });
  for (const s of selectors) await s.close();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: path });
});

test('a selector keeps requeueing after repeated interrupts (CURATOR-518) and after its callback throws (CURATOR-15)', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  let turns = 0;
  const reasons: unknown[] = [];
  const errors: unknown[] = [];
  await using selector = new LeaderSelector(a.client, root.child('jobs'), {
    autoRequeue: true,
    takeLeadership: async (signal) => {
      turns++;
      if (turns >= 6 && turns < 9) throw new Error(`boom ${turns}`);
      if (turns >= 9) return;
      await aborted(signal);
      reasons.push(signal.reason);
    },
  });
  selector.on('error', (e) => errors.push(e));
  await selector.start();
  for (let i = 1; i <= 5; i++) {
    await timing.waitFor(() => turns === i && selector.hasLeadership(), {
      message: `turn ${i}`,
    });
    selector.interruptLeadership();
  }
  await timing.waitFor(() => turns >= 9, { message: 'leads again after three throws' });
  assert.equal(reasons.length, 5);
  assert.ok(reasons.every((r) => r instanceof LeadershipLostError && r.why === 'interrupted'));
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ['boom 6', 'boom 7', 'boom 8'],
    'each throw is reported, none stops the selector',
  );
});

test('a selector whose session expires while it leads is told, and leads again on the new session (CURATOR-16)', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 4000 },
    proxy: false,
  });
  const { root } = fx;
  const [a] = fx.clients;
  const sessions: bigint[] = [];
  const reasons: unknown[] = [];
  await using selector = new LeaderSelector(a.client, root.child('jobs'), {
    autoRequeue: true,
    takeLeadership: async (signal) => {
      sessions.push(a.client.session!.sessionId);
      await aborted(signal);
      reasons.push(signal.reason);
    },
  });
  await selector.start();
  await timing.waitFor(() => sessions.length === 1);
  const old = a.client.session!.sessionId;
  await expireSession(a.client, server);
  await waitForNewSession(a.client, old);
  await timing.waitFor(() => sessions.length === 2, { message: 'leads on the new session' });
  assert.notEqual(sessions[1], old);
  assert.ok(reasons[0] instanceof LeadershipLostError);
  assert.equal(reasons[0].why, 'connection');
});

test('close() aborts the leadership signal, waits for takeLeadership, and leaves nothing', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const path = root.child('jobs');
  let returned = false;
  const selector = new LeaderSelector(a.client, path, {
    takeLeadership: async (signal) => {
      await aborted(signal);
      await timing.sleep(100);
      returned = true;
    },
  });
  await selector.start();
  await timing.waitFor(() => selector.hasLeadership());
  await selector.close();
  assert.equal(returned, true);
  await assertNoLeftoverNodes(server, path);
  assert.throws(
    () => new LeaderSelector(a.client, path, {} as never),
    InvalidArgumentError,
    'takeLeadership is required',
  );
});
