// A waiter watches up to `watchAhead` nodes just ahead of it and holds, without listing again,
// once they are gone if they were every node ahead of it (docs/recipes/lock.md, "Waiting").
// What the no-herd rule protects must still hold: a crowd on one path costs at most K watches
// a waiter, and a release wakes no listing herd.
import assert from 'node:assert/strict';
import { channel } from 'node:diagnostics_channel';
import { after, before, test } from 'node:test';
import { InvalidArgumentError, type ZkClient } from '@zk-recipes/core';
import { DEFAULT_WATCH_AHEAD } from '@zk-recipes/core/recipe';
import { Mutex, requestRevoke, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  serverWatches,
  sessionIdHex,
  TestingServer,
  TestRoot,
  timing,
} from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';

const WAITERS = 100;
let server: TestingServer;
const clients: ZkClient[] = [];
before(async () => {
  server = await TestingServer.start();
  const started = await Promise.all(
    Array.from({ length: WAITERS + 1 }, () =>
      startedClient({ connectString: server.connectString, sessionTimeoutMs: 20_000 }),
    ),
  );
  clients.push(...started.map((s) => s.client));
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
});

/** getChildren requests sent for `path`, counted from the operation channel. */
function countListings(path: string): { readonly n: number; stop(): void } {
  const counter = { n: 0, stop: () => ch.unsubscribe(on) };
  const ch = channel('zk-recipes:operation');
  const on = (m: unknown) => {
    const { op, path: p } = m as { op: string; path: string };
    if (op === 'getChildren' && p === path) counter.n++;
  };
  ch.subscribe(on);
  return counter;
}

/** Waits until `n` nodes are in line under `path`. */
const inLine = (path: string, n: number) =>
  timing.waitFor(async () => (await childrenOf(server, path)).length === n, {
    message: `${n} nodes in line`,
  });

/** Each waiting session's watches under `path`, by session id (hex). */
async function watchesUnder(path: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [session, paths] of await serverWatches(server)) {
    const mine = paths.filter((p) => p.startsWith(`${path}/`));
    if (mine.length > 0) out.set(session, mine);
  }
  return out;
}

test('100 waiters on one path: at most watchAhead watches each, all on nodes ahead, and no listing herd', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('crowd');
  const holder = await new Mutex(clients[0]!, path).acquire();
  const granted: Lease[] = [];
  let onGrant: (() => void) | undefined;
  const waiting: Promise<void>[] = [];
  for (let i = 1; i <= WAITERS; i++) {
    const m = new Mutex(clients[i]!, path);
    const w = m.acquire().then((l) => {
      granted.push(l);
      onGrant?.();
    });
    // Awaited at the end; if an assertion fails first, the root's removal ends every waiter,
    // and those rejections must not hide the assertion's message.
    w.catch(() => undefined);
    waiting.push(w);
  }
  /** The k-th grant (1-based), once it came. */
  const grant = async (k: number): Promise<Lease> => {
    while (granted.length < k) await new Promise<void>((r) => (onGrant = r));
    return granted[k - 1]!;
  };
  await inLine(path, WAITERS + 1);
  // Every waiter has armed its watches once its getData replies are in: wait for all of them
  // (a waiter's watches reach the server one by one, so count them all, not only who watches).
  const K = DEFAULT_WATCH_AHEAD;
  const expected = (K * (K + 1)) / 2 + (WAITERS - K) * K; // waiter i watches min(i, K) nodes
  let watches = new Map<string, string[]>();
  await timing.waitFor(
    async () => {
      watches = await watchesUnder(path);
      const n = [...watches.values()].reduce((sum, p) => sum + p.length, 0);
      return watches.size === WAITERS && n >= expected;
    },
    { message: 'every waiter watching all its nodes ahead' },
  );
  // The line in order (by sequence), and whose node each is.
  const line = [...(await childrenOf(server, path))].sort(
    (a, b) => Number(a.slice(-10)) - Number(b.slice(-10)),
  );
  const place = new Map<string, number>();
  for (const [i, name] of line.entries()) {
    const { stat } = await clients[0]!.getData(`${path}/${name}`);
    place.set(sessionIdHex(stat.ephemeralOwner), i);
  }
  for (const [session, paths] of watches) {
    const mine = place.get(session)!;
    assert.ok(
      paths.length >= 1 && paths.length <= DEFAULT_WATCH_AHEAD,
      `session ${session} watches ${paths.length} nodes`,
    );
    const ahead = paths.map((p) => line.indexOf(p.slice(path.length + 1))).sort((a, b) => a - b);
    // The nearest nodes ahead of its own, contiguous: min(place, K) of them.
    const want = Array.from(
      { length: Math.min(mine, DEFAULT_WATCH_AHEAD) },
      (_, j) => mine - 1 - j,
    );
    assert.deepEqual(
      ahead,
      want.sort((a, b) => a - b),
      `session ${session}'s watches`,
    );
  }
  const total = [...watches.values()].reduce((n, p) => n + p.length, 0);
  // Waiter i (1-based) watches min(i, K) nodes: 1 + 2 + ... + K, then K each.
  assert.equal(total, expected, 'watches on the server');

  const listings = countListings(path);
  try {
    let held = holder;
    const handoffs = 20;
    let quietHandoffs = 0;
    for (let k = 1; k <= handoffs; k++) {
      const before = listings.n;
      await held.release();
      held = await grant(k);
      if (k < K && listings.n === before) quietHandoffs++;
    }
    // The first K - 1 hand-offs went to waiters that had seen every node ahead of them: each
    // was one delete and one notification, with no listing by anyone.
    assert.equal(quietHandoffs, K - 1, 'hand-offs without any listing');
    // Past those, a waiter lists once, when the K nodes it watched are gone: at most one
    // listing per hand-off, where a herd would be one per waiter (100).
    assert.ok(listings.n <= handoffs, `${listings.n} listings in ${handoffs} hand-offs`);
    await held.release();
    for (let k = handoffs + 1; k <= WAITERS; k++) await (await grant(k)).release();
    await Promise.all(waiting);
  } finally {
    listings.stop();
  }
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: path });
});

test('watchAhead: validated; a watched node whose data changes is watched again; a timed-out waiter leaves no watch', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('ahead');
  for (const bad of [0, 65, 1.5, Number.NaN]) {
    assert.throws(
      () => new Mutex(clients[0]!, path, { watchAhead: bad }),
      (e: unknown) => e instanceof InvalidArgumentError && e.code === 'INVALID_ARGUMENT',
    );
  }
  const holder = await new Mutex(clients[0]!, path, { watchAhead: 2 }).acquire();
  const second = new Mutex(clients[1]!, path, { watchAhead: 2 }).acquire();
  await inLine(path, 2);
  const third = new Mutex(clients[2]!, path, { watchAhead: 2 }).acquire();
  await inLine(path, 3);
  const late = new Mutex(clients[3]!, path, { watchAhead: 2 }).acquire({ timeoutMs: 700 });
  await inLine(path, 4);
  await timing.waitFor(async () => (await watchesUnder(path)).size === 3, {
    message: 'three waiters watching',
  });
  const counts = [...(await watchesUnder(path)).values()].map((p) => p.length).sort();
  assert.deepEqual(counts, [1, 2, 2], 'watches per waiter, at most 2');
  // A revocation request sets the holder's data: the watches on it fire as a change, not a
  // deletion; the waiters watch it again and still wait.
  await requestRevoke(clients[0]!, holder.nodePath);
  await timing.sleep(100);
  assert.equal((await watchesUnder(path)).size, 3, 'still watching after the change');
  // The late waiter (4th, watching the 2nd and 3rd) times out: its two watches go with it.
  await assert.rejects(late, { code: 'ACQUIRE_TIMEOUT' });
  const lateSession = clients[3]!.session!.sessionId;
  await assertNoLeftoverWatches(server, { sessionId: lateSession, under: path });
  const listings = countListings(path);
  try {
    await holder.release();
    const l2 = await second;
    await l2.release();
    const l3 = await third; // it watched both nodes ahead of it: granted on the last deletion
    await l3.release();
    assert.equal(listings.n, 0, 'no listing');
  } finally {
    listings.stop();
  }
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: path });
});
