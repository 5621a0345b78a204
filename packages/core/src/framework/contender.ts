/**
 * The contender primitive: the one algorithm locks, semaphores, read-write locks, leader
 * election and queue consumers are made of (Curator's LockInternals; etcd's waitDeletes).
 *
 * 1. Create a protected EPHEMERAL_SEQUENTIAL node `<path>/_c_<uuid>-<lockName><seq>` (parents
 *    as containers). Its czxid is the fencing token: it grows strictly in creation order.
 * 2. List the siblings and sort them Curator's way (by the text after the last `lockName`), so
 *    Java and TypeScript contenders agree on the order.
 * 3. Ask the driver whether we hold; if not, which node to watch. Watch it with getData, not
 *    exists: on a missing node getData leaves no watch behind (Curator's comment on the same
 *    choice), and we simply list again.
 * 4. Wait for that node's change, the signal, the deadline or the session's end. A deletion
 *    wakes exactly the one contender watching that node: no herd.
 * 5. On abort, timeout or error, remove our watch and delete our node (guaranteed) before
 *    rejecting, so no orphan blocks the others (CURATOR-62, CURATOR-205).
 */
import { nodeName, sortBySequence } from '../paths.js';
import * as ops from '../driver/ops.js';
import type { RawSession } from '../driver/raw-session.js';
import { NoNodeError, SessionExpiredError, ZkRecipesError } from '../errors.js';
import type { OneShotWatches } from '../one-shot-watches.js';
import type { Stat, WatchEvent } from '../types.js';
import { deleteNode } from './delete-node.js';
import { createNode, type FrameworkContext } from './nodes.js';
import { publish } from './observability.js';
import { hasTies, orderTies } from './ties.js';
import { CREATE_FLAGS } from '../types.js';

/** Decides, from the sorted contenders and our index among them, whether we hold. */
export interface ContenderDriver {
  evaluate(
    sorted: readonly string[],
    ourIndex: number,
  ): { holds: true } | { holds: false; watch: string };
}

/** The leaseDriver()s and their `maxLeases`: the contender knows what their verdicts mean. */
const leaseDrivers = new WeakMap<ContenderDriver, number>();

/** Holds when among the first `maxLeases`; otherwise watches the node `maxLeases` ahead. */
export function leaseDriver(maxLeases = 1): ContenderDriver {
  const driver: ContenderDriver = {
    evaluate(sorted, i) {
      return i < maxLeases ? { holds: true } : { holds: false, watch: sorted[i - maxLeases]! };
    },
  };
  leaseDrivers.set(driver, maxLeases);
  return driver;
}

/** The default driver (a mutex), made once rather than per contend. */
const MUTEX_DRIVER = leaseDriver(1);

/** The wait ran out before the contender held. Its node has been deleted. */
export class AcquireTimeoutError extends ZkRecipesError {
  override name = 'AcquireTimeoutError';
  constructor(path: string, timeoutMs: number) {
    super('ACQUIRE_TIMEOUT', `not granted within ${timeoutMs} ms`, { path });
  }
}

export interface ContendOptions {
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
  signal?: AbortSignal;
  /** How long to wait for the grant; 0 checks once and never waits. Default: no limit. */
  timeoutMs?: number;
}

/** A contender that holds. */
export interface Contention {
  /** The full server path of our node. */
  readonly nodePath: string;
  readonly fencingToken: bigint;
  readonly sessionId: bigint;
  readonly stat: Stat;
  /** Deletes our node (guaranteed); idempotent. */
  readonly release: () => Promise<void>;
}

export interface ContenderContext extends FrameworkContext {
  watches: OneShotWatches;
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException('aborted', 'AbortError');
}

/**
 * Creates a contender under `path` (a server path) and resolves once the driver says it holds.
 * Rejects with the signal's reason, AcquireTimeoutError, SessionExpiredError (its node went with
 * its session) or the operation's error; in every case its node is gone by then.
 */
export async function contend(
  ctx: ContenderContext,
  path: string,
  o: ContendOptions,
): Promise<Contention> {
  const driver = o.driver ?? MUTEX_DRIVER;
  const deadline = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs;
  let pipelined: Promise<string[] | undefined> | undefined;
  const created = await createNode(ctx, `${path}/${o.lockName}`, {
    data: o.data ?? Buffer.alloc(0),
    mode: 'EPHEMERAL_SEQUENTIAL',
    flags: CREATE_FLAGS.EPHEMERAL_SEQUENTIAL,
    createParents: true,
    protected: true,
    ...(o.signal ? { signal: o.signal } : {}),
    // Saves a round trip: the server answers a session's requests in order, so a getChildren
    // queued right behind the create lists our node once the create succeeds. If the create
    // failed or was repeated, the listing may not show our node, and we list again below.
    onQueued: (raw) => {
      pipelined = ops.getChildren(raw, path, undefined).then(
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
  let releasing: Promise<void> | undefined;
  const release = () =>
    (releasing ??= deleteNode(ctx, nodePath, { version: -1, guaranteed: true }).catch(
      (e: unknown) => {
        if (!(e instanceof NoNodeError)) throw e;
      },
    ));
  publish('recipe', { recipe: 'contender', event: 'created', path: nodePath });
  let watched: { raw: RawSession; path: string } | undefined;
  const granted = (): Contention => {
    publish('recipe', { recipe: 'contender', event: 'granted', path: nodePath });
    return { nodePath, fencingToken: created.stat.czxid, sessionId, stat: created.stat, release };
  };
  try {
    for (let first = true; ; first = false) {
      o.signal?.throwIfAborted();
      const raw = ctx.raw();
      if (raw.sessionId !== sessionId)
        throw new SessionExpiredError('the contender node went with its session', {
          path: nodePath,
        });
      let children = first ? await pipelined : undefined;
      if (!children?.includes(ourName))
        children = (await ops.getChildren(raw, path, undefined)).children;
      const names = o.sortBy ?? [o.lockName];
      const inLine = sortBySequence(
        children.filter((c) => names.some((n) => c.includes(n))),
        names,
      );
      // No await unless names tie (past the sequence limit): a grant is on the failover path.
      const sorted = hasTies(inLine, names)
        ? await orderTies(raw, path, inLine, names, new Map([[ourName, created.stat.czxid]]))
        : inLine;
      const index = sorted.indexOf(ourName);
      if (index < 0)
        throw new SessionExpiredError('the contender node is gone', { path: nodePath });
      const verdict = driver.evaluate(sorted, index);
      if (verdict.holds) return granted();
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new AcquireTimeoutError(nodePath, o.timeoutMs ?? 0);
      const target = `${path === '/' ? '' : path}/${verdict.watch}`;
      const woke = await waitForChange(ctx, raw, target, remaining, o.signal, (w) => (watched = w));
      if (woke === 'timeout') throw new AcquireTimeoutError(nodePath, o.timeoutMs ?? 0); // watch still set
      watched = undefined; // it fired, or was never set: nothing left on the server
      // We waited on the first in line, which is gone: with a lease driver we hold now, no
      // listing needed. Nodes ahead of us can only leave; every new node sorts after ours
      // (later sequence, or later czxid past the limit). Saves a round trip per hand-off.
      if (
        (woke === 'deleted' || woke === 'gone') &&
        index === leaseDrivers.get(driver) &&
        o.sortBy === undefined &&
        ctx.raw().sessionId === sessionId
      ) {
        return granted();
      }
    }
  } catch (e) {
    if (watched && ctx.watches.count(watched.raw, watched.path, 'data') === 1) {
      // Our getData watch on the predecessor would stay on the server until that node
      // changes: remove it (no other watch of this session shares it).
      await ctx.watches.remove(watched.raw, watched.path, 'data').catch(() => undefined);
    }
    await release().catch(() => undefined);
    publish('recipe', { recipe: 'contender', event: 'abandoned', path: nodePath, error: e });
    throw e;
  }
}

/**
 * Watches `target` with getData and waits for its change: 'gone' when it no longer exists,
 * 'deleted' when its deletion fires the watch, 'changed' on another event, 'timeout' at the
 * deadline. Rejects on abort or when the session is lost.
 */
async function waitForChange(
  ctx: ContenderContext,
  raw: RawSession,
  target: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onWatch: (w: { raw: RawSession; path: string }) => void,
): Promise<'gone' | 'deleted' | 'changed' | 'timeout'> {
  let fired!: (e: WatchEvent) => void;
  const event = new Promise<WatchEvent>((r) => (fired = r));
  const armed = ctx.watches.arm(raw, target, (e) => fired(e), 'data');
  try {
    await ops.getData(raw, target, armed!.fn);
  } catch (e) {
    armed!.cancel();
    if (e instanceof NoNodeError) return 'gone'; // no watch was left on the server
    throw e;
  }
  onWatch({ raw, path: target });
  // The signal may have aborted while getData was in flight: an 'abort' listener added now
  // would never fire.
  if (signal?.aborted) throw abortError(signal);
  return new Promise((resolve, reject) => {
    const timer =
      timeoutMs === Infinity
        ? undefined
        : setTimeout(() => done(() => resolve('timeout')), timeoutMs);
    const onAbort = () => done(() => reject(abortError(signal!)));
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (then: () => void) => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      then();
    };
    void event.then((e) =>
      done(() =>
        e.type === 'SessionLost'
          ? reject(new SessionExpiredError('the session ended while waiting', { path: target }))
          : resolve(e.type === 'NodeDeleted' ? 'deleted' : 'changed'),
      ),
    );
  });
}
