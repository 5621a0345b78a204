// A waiter watches up to `watchAhead` nodes just ahead of it and holds, without listing again,
// once they are gone if they were every node ahead of it; a waiter further back lists again as
// soon as the farthest of them goes, so it has its new nearest nodes watched long before its
// turn (docs/recipes/lock.md, "Waiting"; ADR 33). What the no-herd rule protects must still
// hold: a crowd on one path costs at most K watches a waiter and K a node (a deletion notifies
// at most K waiters), and a release wakes no listing herd.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
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

/** Which client a request is for: each acquire runs inside `asClient.run(i, ...)`. */
const asClient = new AsyncLocalStorage<number>();

/** `op` requests sent for paths `match` accepts, counted from the operation channel per client. */
function countOps(op: string, match: (path: string) => boolean) {
  const by = new Map<string, number>(); // `${client} ${path}` -> count
  const ch = channel('zk-recipes:operation');
  const on = (m: unknown) => {
    const { op: o, path } = m as { op: string; path: string };
    if (o !== op || !match(path)) return;
    const key = `${asClient.getStore() ?? -1} ${path}`;
    by.set(key, (by.get(key) ?? 0) + 1);
  };
  ch.subscribe(on);
  const sum = (f: (client: number, path: string) => boolean) => {
    let n = 0;
    for (const [key, c] of by) {
      const [client, path] = [
        Number(key.slice(0, key.indexOf(' '))),
        key.slice(key.indexOf(' ') + 1),
      ];
      if (f(client, path)) n += c;
    }
    return n;
  };
  return {
    /** How many, in all. */
    get n() {
      return sum(() => true);
    },
    /** How many for client `i` (on path `p`, if given). */
    of: (i: number, p?: string) => sum((c, path) => c === i && (p === undefined || path === p)),
    /** The most for any one client and path. */
    most: () => Math.max(0, ...by.values()),
    stop: () => ch.unsubscribe(on),
  };
}

/** getChildren requests sent for `path`, per client. */
const countListings = (path: string) => countOps('getChildren', (p) => p === path);

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

/** The session id (hex) of client `i`. */
const sessionOf = (i: number) => sessionIdHex(clients[i]!.session!.sessionId);

/**
 * Waits until the server's watches under `path` are `want` exactly (session → node names;
 * sessions not in it watch nothing), then asserts it, so a mismatch says what differs.
 */
async function watchesSettle(path: string, want: Map<string, string[]>): Promise<void> {
  const shape = (m: Map<string, string[]>) =>
    Object.fromEntries(
      [...m]
        .filter(([, names]) => names.length > 0)
        .map(([s, names]) => [s, [...names].sort()] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  const expected = shape(want);
  const seen = async () => {
    const on = await watchesUnder(path);
    return shape(new Map([...on].map(([s, ps]) => [s, ps.map((p) => p.slice(path.length + 1))])));
  };
  const matches = async () => JSON.stringify(await seen()) === JSON.stringify(expected);
  await timing.waitFor(matches, { message: 'the watches settle' }).catch(() => undefined);
  assert.deepEqual(await seen(), expected, 'watches on the server, by session');
}

test('100 waiters on one path: at most watchAhead watches a waiter and a node, the next holder never lists on its hand-off, and no listing herd', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('crowd');
  const K = DEFAULT_WATCH_AHEAD;
  const holder = await new Mutex(clients[0]!, path).acquire();
  const granted: Lease[] = [];
  let onGrant: (() => void) | undefined;
  const waiting: Promise<void>[] = [];
  for (let i = 1; i <= WAITERS; i++) {
    const m = new Mutex(clients[i]!, path);
    const w = asClient
      .run(i, () => m.acquire())
      .then((l) => {
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
  // The line in order (by sequence), and whose node each is.
  const line = [...(await childrenOf(server, path))].sort(
    (a, b) => Number(a.slice(-10)) - Number(b.slice(-10)),
  );
  const clientOf = new Map(clients.map((_, i) => [sessionOf(i), i] as const));
  const owner: number[] = [];
  for (const name of line) {
    const { stat } = await clients[0]!.getData(`${path}/${name}`);
    owner.push(clientOf.get(sessionIdHex(stat.ephemeralOwner))!);
  }
  /** What every waiter watches while line[head] holds: the min(place, K) nodes just ahead. */
  const nearest = (head: number) =>
    new Map(
      line
        .map((_, i) => i)
        .filter((i) => i > head)
        .map((i) => [sessionOf(owner[i]!), line.slice(Math.max(head, i - K), i)] as const),
    );
  await watchesSettle(path, nearest(0));
  // Waiter i (1-based) watches min(i, K) nodes, and each node is watched by at most K waiters:
  // a deletion notifies at most K processes.
  const total = [...(await watchesUnder(path)).values()].reduce((n, p) => n + p.length, 0);
  assert.equal(total, (K * (K + 1)) / 2 + (WAITERS - K) * K, 'watches on the server');

  const listings = countListings(path);
  try {
    let held = holder;
    const handoffs = 20;
    for (let k = 1; k <= handoffs; k++) {
      const next = owner[k]!;
      const before = listings.of(next);
      await held.release();
      held = await grant(k);
      assert.equal(held.nodePath, `${path}/${line[k]}`, `grant ${k} in line order`);
      // It had every node ahead of it watched: its grant was the deletion's notification.
      assert.equal(listings.of(next), before, `the holder of hand-off ${k} listed on it`);
      // The waiter for which the deleted node was the farthest watched one has listed again
      // and watches its new nearest: everyone watches its K nearest again.
      await watchesSettle(path, nearest(k));
      // That waiter (K behind the deleted node) lists on this hand-off, once its listing from
      // before the first release is out of date (from the second hand-off on); its watches may
      // not change (with K 2 it keeps the one on the new holder), so its listing's answer is
      // waited for here, as a holder's turn gives it time in use. Under the old rule (list
      // only once all watched nodes are gone) it never comes and this fails.
      const relister = k - 1 + K;
      if (k >= 2 && relister <= WAITERS) {
        await timing.waitFor(() => listings.of(owner[relister]!) === 1, {
          message: `the waiter K behind the node of hand-off ${k} to list again`,
        });
      }
    }
    // One listing a hand-off at most (by the waiter K behind the deleted node, while others
    // hold), where a herd would be one per waiter; no waiter listed twice.
    assert.ok(listings.n <= handoffs, `${listings.n} listings in ${handoffs} hand-offs`);
    assert.ok(listings.most() <= 1, 'a waiter listed more than once');
    await held.release();
    for (let k = handoffs + 1; k <= WAITERS; k++) await (await grant(k)).release();
    await Promise.all(waiting);
  } finally {
    listings.stop();
  }
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: path });
});

test('a waiter that lists again keeps its watches on the nodes still ahead: each node watched once, none left after a timeout', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('relist');
  const mutex = (i: number) => new Mutex(clients[i]!, path, { watchAhead: 2 });
  const getDatas = countOps('getData', (p) => p.startsWith(`${path}/`));
  const listings = countListings(path);
  try {
    const holder = await mutex(0).acquire();
    const names: string[] = [nodeNameOf(holder.nodePath)];
    // Each joins once the one before it is in line, so the line's order is known.
    const join = async (i: number, signal?: AbortSignal) => {
      const acquired = asClient.run(i, () => mutex(i).acquire(signal ? { signal } : {}));
      acquired.catch(() => undefined);
      await inLine(path, names.length + 1);
      const now = await childrenOf(server, path);
      names.push(now.find((n) => !names.includes(n))!);
      return { acquired };
    };
    const { acquired: a } = await join(1);
    const leaveB = new AbortController();
    const { acquired: b } = await join(2, leaveB.signal);
    const { acquired: c } = await join(3);
    const leaveD = new AbortController();
    const { acquired: d } = await join(4, leaveD.signal);
    const [H, A, B, C] = names as [string, string, string, string];
    await watchesSettle(
      path,
      new Map([
        [sessionOf(1), [H]],
        [sessionOf(2), [H, A]],
        [sessionOf(3), [A, B]],
        [sessionOf(4), [B, C]],
      ]),
    );
    // b gives up: for c it was the nearer of its two, for d the farther; both list again and
    // watch their two nearest, keeping the watch they had on the node still ahead.
    leaveB.abort();
    await assert.rejects(b);
    await watchesSettle(
      path,
      new Map([
        [sessionOf(1), [H]],
        [sessionOf(3), [H, A]],
        [sessionOf(4), [A, C]],
      ]),
    );
    // One getData a node for each waiter: the node it still watched was not watched again.
    assert.equal(getDatas.most(), 1, 'a node watched twice by one waiter');
    assert.equal(getDatas.of(3), 3, 'c watched a, b, then the holder');
    assert.equal(getDatas.of(4), 3, 'd watched b, c, then a');
    assert.equal(listings.of(3), 2, 'c listed with its create, and when b went');
    assert.equal(listings.of(4), 2, 'd listed with its create, and when b went');
    // d gives up after listing again: the watch from before (on c) and the new one (on a) go.
    leaveD.abort();
    await assert.rejects(d);
    await assertNoLeftoverWatches(server, {
      sessionId: clients[4]!.session!.sessionId,
      under: path,
    });
    await holder.release();
    const la = await a;
    await la.release();
    const lc = await c; // it watched both nodes ahead of it: granted on the last deletion
    assert.equal(listings.of(3), 2, 'c listed on its own grant');
    await lc.release();
  } finally {
    getDatas.stop();
    listings.stop();
  }
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: path });
});

/** The last segment of a node's path. */
const nodeNameOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);

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
