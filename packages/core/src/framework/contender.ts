/**
 * The contender primitive: the one algorithm locks, semaphores, read-write locks, leader
 * election and queue consumers are made of (Curator's LockInternals; etcd's waitDeletes).
 *
 * 1. Create a protected EPHEMERAL_SEQUENTIAL node `<path>/_c_<uuid>-<lockName><seq>` (parents
 *    as containers). Its czxid is the fencing token: it grows strictly in creation order.
 * 2. List the siblings and sort them Curator's way (by the text after the last `lockName`), so
 *    Java and TypeScript contenders agree on the order.
 * 3. Ask the driver whether we hold; if not, which nodes ahead of us to watch (a mutex: up to
 *    `watchAhead` of the nearest, all of them when that is every node ahead). Watch them with
 *    getData, not exists: on a missing node getData leaves no watch behind (Curator's comment
 *    on the same choice), and it counts as gone.
 * 4. When they were every node ahead of us, wait until they are all gone and hold: no listing,
 *    since new contenders sort after us. Otherwise list again as soon as the first of them
 *    goes, keeping the watches on the others, so a waiter further back has listed and watches
 *    its new nearest nodes long before its own turn comes. A deletion wakes at most the
 *    `watchAhead` contenders behind it, and lists for at most one of them (the one it was the
 *    farthest watched node of): no herd.
 * 5. On abort, timeout or error, remove our watches and delete our node (guaranteed) before
 *    rejecting, so no orphan blocks the others (CURATOR-62, CURATOR-205).
 */
import { childPath, nodeName } from '../paths.js';
import * as ops from '../driver/ops.js';
import type { RawSession } from '../driver/raw-session.js';
import { SessionExpiredError, ZkRecipesError } from '../errors.js';
import { Deadline, settledWithin, type WaitOptions } from '../kit/deadline.js';
import type { OneShotWatches } from '../one-shot-watches.js';
import type { Stat } from '../types.js';
import { breakTies, hasTies, lineOf, tiedNames } from './line.js';
import { createNode, type FrameworkContext, type FrameworkCreate } from './nodes.js';
import { publish, traced } from './observability.js';
import { RELEASE_BOUND_MS, releaseEphemeral, type ReleaseContext } from './release.js';
import { withSignal } from './call-session.js';
import { retryOnSession } from './same-session.js';
import { WatchedAhead } from './wait-gone.js';
import { CREATE_FLAGS } from '../types.js';

/**
 * A driver's verdict: we hold, or which node or nodes to watch; the contender lists again as
 * soon as one of them is gone (keeping its watches on the others). `holdsWhenGone`: it waits
 * until they are all gone instead, and then holds, without listing again.
 * Say so only when it is true whatever else changes: the nodes ahead of ours can only leave,
 * and every new node sorts after ours (a later sequence, or a later czxid past the sequence
 * limit), so a waiter that watches every node ahead of it holds when the last of them goes.
 * It saves a round trip per hand-off.
 */
export type ContenderVerdict =
  { holds: true } | { holds: false; watch: string | readonly string[]; holdsWhenGone?: boolean };

/** Decides, from the sorted contenders and our index among them, whether we hold. */
export interface ContenderDriver {
  /** Given the contenders in line order and our place, whether we hold or which node to watch. */
  evaluate(sorted: readonly string[], ourIndex: number): ContenderVerdict;
}

/** The most nodes ahead a mutex's waiter watches by default (ADR 33; bench/RESULTS.md, issue 20). */
export const DEFAULT_WATCH_AHEAD = 2;

/**
 * Holds when among the first `maxLeases`; otherwise watches the node `maxLeases` ahead, and
 * holds once it is gone if that node was the last holder ahead of us. A mutex (`maxLeases` 1)
 * watches the `watchAhead` nodes just ahead of it instead, and holds once they are gone if they
 * were every node ahead of it; a waiter further back lists again as soon as the first of them
 * (the farthest ahead, unless one gives up) goes. `watchAhead` 1 watches the predecessor
 * alone, as Curator's waiters do.
 */
export function leaseDriver(maxLeases = 1, watchAhead = DEFAULT_WATCH_AHEAD): ContenderDriver {
  return {
    evaluate(sorted, i) {
      if (i < maxLeases) return { holds: true };
      if (maxLeases === 1 && watchAhead > 1 && i > 1) {
        const ahead = sorted.slice(Math.max(0, i - watchAhead), i);
        return { holds: false, watch: ahead, holdsWhenGone: i <= watchAhead };
      }
      return { holds: false, watch: sorted[i - maxLeases]!, holdsWhenGone: i === maxLeases };
    },
  };
}

/** The default driver (a mutex), made once rather than per contend. */
const MUTEX_DRIVER = leaseDriver(1);

/**
 * The wait ran out before the lock, lease or leadership was granted; nothing was left behind.
 * `path` is the recipe's path (the lock's, the latch's), `timeoutMs` the caller's timeout.
 */
export class AcquireTimeoutError extends ZkRecipesError {
  override name = 'AcquireTimeoutError';
  constructor(
    path: string,
    readonly timeoutMs: number,
  ) {
    super('ACQUIRE_TIMEOUT', `not granted within ${timeoutMs} ms`, { path });
  }
}

export interface ContendOptions extends WaitOptions {
  /** The name inside the node's name that contenders sort by: `lock-`, `latch-`, `__READ__`. */
  lockName: string;
  /**
   * The names of every kind of contender on the path, when there are several (a read-write
   * lock's `__READ__` and `__WRIT__`): siblings with any of them are listed and sorted together.
   * Default: lockName alone.
   */
  sortBy?: readonly string[];
  data?: Buffer;
  driver?: ContenderDriver;
  /** The deadline of the whole acquire, when the caller made one already (else signal and timeoutMs). */
  deadline?: Deadline;
  /**
   * Called once our node exists (with its path, in the server's namespace), before the wait:
   * a long-lived recipe's start() resolves there, in line, rather than when granted.
   */
  onCreated?: (nodePath: string) => void;
}

/** A contender that holds. */
export interface HeldNode {
  /** The full server path of our node. */
  readonly nodePath: string;
  readonly fencingToken: bigint;
  readonly sessionId: bigint;
  readonly stat: Stat;
  /**
   * Deletes our node (guaranteed); idempotent. Returns at once while ZooKeeper cannot be
   * reached: the delete goes on in the background, or the node goes with its session
   * (./release.ts).
   */
  readonly release: () => Promise<void>;
}

export interface ContenderContext extends ReleaseContext {
  watches: OneShotWatches;
  /** Aborts (with ClientClosedError) when the client closes. */
  readonly closeSignal: AbortSignal;
}

/**
 * Creates a contender under `path` (a server path) and resolves once the driver says it holds.
 * Rejects with the signal's reason, AcquireTimeoutError, SessionExpiredError (its node went with
 * its session), ClientClosedError (the client closed first), RetriesExhaustedError (the
 * client's policy gave up on a request) or a server's non-retryable error (NOAUTH); in every
 * case its node is gone by then. Its reads are retried on the same session like every other
 * request: a connection cut while one was in flight is not the end of the wait.
 */
export async function contend(
  ctx: ContenderContext,
  path: string,
  o: ContendOptions,
): Promise<HeldNode> {
  const driver = o.driver ?? MUTEX_DRIVER;
  const deadline = o.deadline ?? Deadline.of(o);
  const signal = deadline.signal;
  const names = o.sortBy ?? [o.lockName];
  let pipelined: Promise<string[] | undefined> | undefined;
  // Every request below is traced: on the operation channel when someone listens, at no cost
  // otherwise (a recipe's acquire published nothing when they went to the driver untraced).
  // A listing carries the caller's signal, as the create does: one still queued for a reconnect
  // when it aborts is taken back, so an acquire aborted while disconnected rejects at once and
  // lists nothing after the abort (it waited for the reconnect, and could be granted then).
  const list = (raw: RawSession) =>
    traced('getChildren', path, () => ops.getChildren(withSignal(raw, signal), path, undefined));
  const created = await createTraced(ctx, `${path}/${o.lockName}`, {
    data: o.data ?? Buffer.alloc(0),
    mode: 'EPHEMERAL_SEQUENTIAL',
    flags: CREATE_FLAGS.EPHEMERAL_SEQUENTIAL,
    createParents: true,
    protected: true,
    ...(signal ? { signal } : {}),
    // Saves a round trip: the server answers a session's requests in order, so a getChildren
    // queued right behind the create lists our node once the create succeeds. If the create
    // failed or was repeated, the listing may not show our node, and we list again below.
    onQueued: (raw) => {
      pipelined = list(raw).then(
        (r) => r.children,
        () => undefined,
      );
    },
  });
  const nodePath = created.path;
  const ourName = nodeName(nodePath);
  const sessionId = created.stat.ephemeralOwner;
  // Once: a recipe may start its release early (a closing leader, before its loop unwinds) and
  // again where it always does; the second call gets the first one's promise.
  let deleting: Promise<void> | undefined;
  // Bounded whatever the connection: the delete goes to the background when ZooKeeper cannot
  // be reached (./release.ts).
  const deleteOurs = () =>
    (deleting ??= traced('delete', nodePath, () => releaseEphemeral(ctx, nodePath, sessionId)));
  // A holder's release (not an abandoned contender's clean-up) ends with the `released` event.
  let releasing: Promise<void> | undefined;
  const release = () =>
    (releasing ??= deleteOurs().then(() =>
      publish('recipe', { recipe: 'contender', event: 'released', path: nodePath }),
    ));
  publish('recipe', { recipe: 'contender', event: 'created', path: nodePath });
  o.onCreated?.(nodePath);
  let watched: WatchedAhead | undefined;
  const granted = (): HeldNode => {
    watched?.end();
    // Empty: we hold only once every node ahead of ours is gone, and the server sent each
    // deletion's notification before the listing or the last notification that told us so.
    if (watched?.paths.size) void unwatch(ctx, watched);
    publish('recipe', { recipe: 'contender', event: 'granted', path: nodePath });
    return { nodePath, fencingToken: created.stat.czxid, sessionId, stat: created.stat, release };
  };
  const timedOut = () => new AcquireTimeoutError(path, deadline.timeoutMs ?? 0);
  try {
    for (let first = true; ; first = false) {
      deadline.throwIfAborted();
      const raw = ctx.raw();
      if (raw.sessionId !== sessionId)
        throw new SessionExpiredError('the contender node went with its session', {
          path: nodePath,
        });
      let children = first ? await pipelined : undefined;
      if (!children?.includes(ourName)) {
        try {
          children = (await list(raw)).children;
        } catch (e) {
          const listed = await retryOnSession(ctx, sessionId, e, signal, 'getChildren', path, list);
          children = listed.children;
        }
      }
      const inLine = lineOf(children, names);
      // No await unless names tie (past the sequence limit): a grant is on the failover path.
      const sorted = hasTies(inLine, names)
        ? breakTies(
            inLine,
            names,
            await czxidsOf(raw, path, tiedNames(inLine, names), ourName, created.stat).catch(
              (e: unknown) =>
                retryOnSession(ctx, sessionId, e, signal, 'exists', path, (r) =>
                  czxidsOf(r, path, tiedNames(inLine, names), ourName, created.stat),
                ),
            ),
          )
        : inLine;
      const index = sorted.indexOf(ourName);
      if (index < 0)
        throw new SessionExpiredError('the contender node is gone', { path: nodePath });
      const verdict = driver.evaluate(sorted, index);
      if (verdict.holds) {
        deadline.throwIfAborted(); // aborted while the listing was answered: not granted
        return granted();
      }
      if (deadline.expired) throw timedOut();
      const ahead = typeof verdict.watch === 'string' ? [verdict.watch] : verdict.watch;
      watched ??= new WatchedAhead(ctx, raw, sessionId, deadline);
      const targets = ahead.map((n) => childPath(path, n));
      const all = verdict.holdsWhenGone === true;
      // Not holding when they are all gone: list again when the first goes (./wait-gone.ts).
      const gone = await watched.wait(targets, !all);
      if (gone === undefined) throw timedOut(); // watches still set
      if (all && ctx.raw().sessionId === sessionId) {
        deadline.throwIfAborted();
        return granted();
      }
    }
  } catch (caught) {
    // A wait the client's close ended says so, whatever the session's end looked like from here
    // (its watch told SessionLost, its requests failed): unless the caller's own signal came first.
    const e =
      ctx.closeSignal.aborted && !signal?.aborted ? (ctx.closeSignal.reason as Error) : caught;
    // Both at once, and the watches' removal bounded as the delete is (RELEASE_BOUND_MS): on a
    // silent connection an unbounded removal held a timed-out acquire until the connection was
    // dropped (14.6 s past a 1.5 s timeout); what it could not do in time goes on unwaited.
    watched?.end();
    const unwatched = watched?.paths.size ? unwatch(ctx, watched) : undefined;
    await Promise.all([
      unwatched && settledWithin(Deadline.of({ timeoutMs: RELEASE_BOUND_MS }), unwatched),
      deleteOurs().catch(() => undefined),
    ]);
    publish('recipe', { recipe: 'contender', event: 'abandoned', path: nodePath, error: e });
    throw e;
  }
}

/**
 * Removes our getData watches on the nodes ahead, which would stay on the server until those
 * nodes change: each that no other watch of this session shares.
 */
function unwatch(ctx: ContenderContext, w: WatchedAhead): Promise<unknown> {
  return Promise.all(
    [...w.paths]
      .filter((p) => ctx.watches.count(w.raw, p, 'data') === 1)
      .map((p) => ctx.watches.remove(w.raw, p, 'data').catch(() => undefined)),
  );
}

/** createNode, published on the operation channel when someone listens. */
function createTraced(ctx: FrameworkContext, path: string, o: FrameworkCreate) {
  return traced('create', path, () => createNode(ctx, path, o));
}

/** The czxids of the tied names (ours known already); a name whose node is gone has none. */
async function czxidsOf(
  raw: RawSession,
  parent: string,
  tied: readonly string[],
  ourName: string,
  ourStat: Stat,
): Promise<Map<string, bigint>> {
  const czxids = new Map([[ourName, ourStat.czxid]]);
  await Promise.all(
    tied
      .filter((n) => n !== ourName)
      .map(async (n) => {
        const p = childPath(parent, n);
        const stat = await traced('exists', p, () => ops.exists(raw, p, undefined)); // null when gone
        if (stat) czxids.set(n, stat.czxid);
      }),
  );
  return czxids;
}
