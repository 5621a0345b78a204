// Java services on Apache Curator and TypeScript services share one election: Curator's
// LeaderLatch with our LeaderLatch, Curator's LeaderSelector with our LeaderSelector, on one
// path, each in its own session. Both sides must agree on the line (Curator sorts by the text
// after the last lock name; our names are protected like Curator's, so a sort by the whole name
// would put the random `_c_<uuid>` prefixes first and disagree), hence on who leads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderLatch, LeaderSelector, type ElectionParticipant } from '@zk-recipes/leader';
import { assertNoLeftoverNodes, TestRoot, timing } from '@zk-recipes/testing';
import { startedClient, type StartedClient } from '../support/core-helpers.js';
import { JavaLeaderWorker, type ReportedParticipant } from '../support/leader-workers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

/** One participant of the mixed election, whatever its language. */
interface Member {
  readonly id: string;
  /** What it last reported (for waiting until the election settles). */
  leading(): boolean;
  /** Asks the recipe itself (Curator's hasLeadership() for Java). */
  hasLeadership(): Promise<boolean>;
  /** The epoch (its node's czxid) of its present leadership. */
  epoch(): bigint | undefined;
  /** The participants as this side's getParticipants() reports them. */
  participants(): Promise<ReportedParticipant[]>;
  join(): Promise<void>;
  close(): Promise<void>;
}

const show = (ps: readonly ReportedParticipant[]) =>
  ps.map((p) => (p.isLeader ? `*${p.id}` : p.id)).join(' ');

const view = (ps: readonly (ReportedParticipant | ElectionParticipant)[]) =>
  ps.map((p) => ({ id: p.id, isLeader: p.isLeader }));

/** A TypeScript member also names the leader with its recipe's getLeader(). */
interface TsMember extends Member {
  getLeader(): Promise<ElectionParticipant | undefined>;
}

function tsMember(client: StartedClient, path: string, id: string, mode: Mode): TsMember {
  if (mode === 'latch') {
    const latch = new LeaderLatch(client.client, path, { id });
    return {
      id,
      leading: () => latch.hasLeadership(),
      hasLeadership: () => Promise.resolve(latch.hasLeadership()),
      epoch: () => latch.leadership?.epoch,
      participants: async () => view(await latch.getParticipants()),
      getLeader: () => latch.getLeader(),
      join: () => latch.start(),
      close: () => latch.close(),
    };
  }
  let epoch: bigint | undefined;
  const selector = new LeaderSelector(client.client, path, {
    id,
    // Leads until closed.
    takeLeadership: (signal) =>
      new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true })),
  });
  selector.on('isLeader', (l) => (epoch = l.epoch));
  return {
    id,
    leading: () => selector.hasLeadership(),
    hasLeadership: () => Promise.resolve(selector.hasLeadership()),
    epoch: () => (selector.hasLeadership() ? epoch : undefined),
    participants: async () => view(await selector.getParticipants()),
    getLeader: () => selector.getLeader(),
    join: () => selector.start(),
    close: () => selector.close(),
  };
}

function javaMember(worker: JavaLeaderWorker): Member {
  return {
    id: worker.id,
    leading: () => worker.leading,
    hasLeadership: () => worker.hasLeadership(),
    epoch: () => (worker.leading ? worker.epochs.at(-1) : undefined),
    participants: () => worker.participants(),
    join: () => worker.join(),
    close: () => worker.close(),
  };
}

type Mode = 'latch' | 'selector';

/**
 * Two TypeScript and two Java participants join in turn (ts-1, java-1, ts-2, java-2); then the
 * leader closes (a Java selector's first turn ends by takeLeadership returning instead), again
 * and again, so leadership passes TypeScript, Java, TypeScript, Java. At
 * every step: exactly one leader across both languages, the one both sides name, every side
 * lists every participant in the same (join) order, and the leader's epoch grows.
 */
async function mixedElection(mode: Mode): Promise<void> {
  await using root = await TestRoot.create(server);
  const path = root.child('election');
  const cs = server.connectString;
  const workers: JavaLeaderWorker[] = [];
  // Each TypeScript participant on its own session, as a separate service would be.
  await using c1 = await startedClient({ connectString: cs });
  await using c2 = await startedClient({ connectString: cs });
  const ts = [tsMember(c1, path, 'ts-1', mode), tsMember(c2, path, 'ts-2', mode)];
  try {
    // The JVMs boot in parallel; each joins only when told, so the line order is known.
    const started = await Promise.allSettled(
      ['java-1', 'java-2'].map((id) => JavaLeaderWorker.start(id, cs, path, mode)),
    );
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    let line: Member[] = [ts[0]!, javaMember(workers[0]!), ts[1]!, javaMember(workers[1]!)];
    for (const [i, m] of line.entries()) {
      await m.join();
      await timing.waitFor(async () => (await ts[0]!.participants()).length === i + 1, {
        message: `${m.id} in line`,
      });
    }
    let lastEpoch = 0n;
    const leaders: string[] = [];
    while (line.length > 0) {
      const expected = line[0]!;
      const leading = () => line.filter((m) => m.leading()).map((m) => m.id);
      await timing
        .waitFor(() => leading().length === 1 && expected.leading())
        .catch(async () => {
          const seen = await Promise.all(
            line.map(async (m) => `${m.id}: ${show(await m.participants())}`),
          );
          assert.fail(
            `${expected.id} should lead alone; leading: [${leading().join()}]; ${seen.join('; ')}`,
          );
        });
      const claims = await Promise.all(line.map((m) => m.hasLeadership()));
      assert.deepEqual(
        line.filter((_, i) => claims[i]).map((m) => m.id),
        [expected.id],
        'exactly one leader across both languages, the first in line',
      );
      // Every side reports the same line, in join order, with the same leader: the order
      // both sides sort the protected names into is identical.
      const want = line.map((m, i) => ({ id: m.id, isLeader: i === 0 }));
      const views = new Map<string, ReportedParticipant[]>();
      for (const m of line) views.set(m.id, await m.participants());
      for (const [id, v] of views) assert.deepEqual(v, want, `${id}'s participants`);
      // Each side lists the other's ids (implied above, said plainly for the report).
      for (const [id, v] of views) {
        const other = id.startsWith('ts-') ? 'java-' : 'ts-';
        const ids = v.map((p) => p.id);
        for (const m of line.filter((m) => m.id.startsWith(other))) {
          assert.ok(ids.includes(m.id), `${id} lists ${m.id}: ${ids.join()}`);
        }
      }
      // The TypeScript getLeader() names the leader and its epoch (its node's czxid), which the
      // leader itself, Java or TypeScript, reports too; epochs grow with each new leader.
      const tsLeader = await ts[0]!.getLeader();
      assert.equal(tsLeader?.id, expected.id);
      const epoch = expected.epoch();
      assert.equal(epoch, tsLeader.epoch, `${expected.id}'s epoch as both sides read it`);
      assert.ok(epoch > lastEpoch, `${expected.id}: epoch ${epoch} > ${lastEpoch}`);
      lastEpoch = epoch;
      leaders.push(expected.id);
      if (mode === 'selector' && expected.id === 'java-1') {
        // Curator's takeLeadership returning (no requeue) ends its turn as closing would.
        await workers[0]!.release();
      } else {
        await expected.close();
      }
      line = line.slice(1);
    }
    assert.deepEqual(leaders, ['ts-1', 'java-1', 'ts-2', 'java-2']);
    if (mode === 'selector') await workers[0]!.close();
    await assertNoLeftoverNodes(server, path);
  } finally {
    // However the test ends, no JVM outlives it, and no TypeScript recipe its client.
    await Promise.all(workers.map((w) => w[Symbol.asyncDispose]()));
    await Promise.all(ts.map((m) => m.close()));
  }
}

test("Curator's LeaderLatch (Java) and LeaderLatch (TypeScript): one election, one leader, one line order", () =>
  mixedElection('latch'));

test("Curator's LeaderSelector (Java) and LeaderSelector (TypeScript): one election, one leader, one line order", () =>
  mixedElection('selector'));
