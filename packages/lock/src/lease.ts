import type { HeldNode, ZkClient } from '@zk-recipes/core';
import { abortReason, stacklessError, unconfirmedHold } from '@zk-recipes/core/recipe';
import { LeaseLostError, leaseEndOf } from './errors.js';

/**
 * The most times one lock node may be handed from holder to holder inside its process
 * (`maxLocalHandoffs`): the hand-off count lives in the low 16 bits of the fencing token.
 */
export const MAX_LOCAL_HANDOFFS = 0xffff;

/**
 * The fencing token of a grant: `czxid * 2^16 + handoffs`, where `czxid` is the lock node's
 * creation zxid and `handoffs` the number of times that node had been handed over inside its
 * process before this grant (0 for its first grant). Every lease of every lock kind uses this
 * layout, so tokens from every process compare correctly: a later node has a larger czxid, and
 * a node is handed over at most MAX_LOCAL_HANDOFFS times, so its tokens stay below the next
 * node's first one (docs/adr/0006).
 *
 * @example
 * // What a Curator (Java) holder of the same lock would pass as its token: its node is never
 * // handed over, so czxid * 2^16.
 * const token = fencingTokenOf(stat.czxid);
 * const czxid = lease.fencingToken >> 16n; // and back: the lock node's creation zxid
 */
export function fencingTokenOf(czxid: bigint, handoffs = 0): bigint {
  return (czxid << 16n) + BigInt(handoffs);
}

/**
 * A held lock. Release it with `release()` (idempotent, never throws) or let `await using`
 * do it.
 */
export interface Lease extends AsyncDisposable {
  /** The lock's path. */
  readonly path: string;
  /** Our lock node (`<path>/_c_<uuid>-lock-<seq>`). */
  readonly nodePath: string;
  /**
   * Grows strictly with each grant on this path, across processes and across local hand-offs:
   * `czxid * 2^16 + handoffs` (the lock node's creation zxid, and how many times that node had
   * been handed over inside its process before this grant). Give it to the resource the lock
   * protects, and have the resource refuse a token lower than the highest it has seen: that is
   * what makes a holder that paused past its session harmless (docs/failure-modes.md, 4:
   * process pause while holding; CURATOR-206). A re-entrant (nested) lease carries its outer
   * lease's token.
   */
  readonly fencingToken: bigint;
  /**
   * Aborts when the lock may no longer be held: on SUSPENDED under the client's `standard`
   * error policy, on LOST under `session`, on the client's close, and on release. Stop the
   * critical section then. Its reason is a {@link LeaseLostError} whose `why` says which.
   */
  readonly signal: AbortSignal;
  readonly released: boolean;
  /**
   * Throws unless the lease may still be held: the reason `signal` aborted with, or, when the
   * client has heard nothing from ZooKeeper for longer than the point at which its error policy
   * would count the lock as lost (2/3 of the negotiated session timeout under `standard`),
   * HoldUnconfirmedError, and `signal` aborts with it. Synchronous, by the monotonic clock: a
   * process that was paused past its session (a long GC, SIGSTOP) sees it on its first call
   * after resuming, before its client has read its socket. Call it right before each write the
   * lock protects; the fencing token still guards what a check cannot (a pause after it).
   */
  assertHeld(): void;
  /** Gives the lock up; idempotent, never throws (a delete that cannot be confirmed goes on in the background). */
  release(): Promise<void>;
}

const relays = new WeakMap<AbortSignal, Set<() => void>>();

/** The LeaseLostError of each aborted hold signal: one per signal, shared by its leases. */
const holdReasons = new WeakMap<AbortSignal, LeaseLostError>();

/**
 * Why a lease on an aborted `hold` ended, as a LeaseLostError (the same object for every lease
 * of that signal). A nested lease's hold is its outer lease's signal: its reason is kept.
 */
function reasonOf(hold: AbortSignal): LeaseLostError {
  const r: unknown = hold.reason;
  if (r instanceof LeaseLostError) return r;
  let e = holdReasons.get(hold);
  if (!e) {
    // Stackless: made in an abort listener, its stack would show only the signal's plumbing.
    e = stacklessError(() => new LeaseLostError(leaseEndOf(r), { cause: r }));
    holdReasons.set(hold, e);
  }
  return e;
}

/** The reason of a lease released while its hold lasted. */
function releasedError(path: string): LeaseLostError {
  return stacklessError(() => new LeaseLostError('released', { path }));
}

/**
 * Calls `fn` when `signal` aborts (at once if it has); returns a function that unsubscribes.
 * Every lease of a session listens to the same hold signal, so one listener per signal relays
 * to all: a listener each would trip Node's MaxListenersExceededWarning past 10 held locks, and
 * AbortSignal.any([hold, ...]) on Node 20 keeps a reference to every signal ever composed from a
 * long-lived one (a leak at thousands of hand-offs a second).
 */
function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  let fns = relays.get(signal);
  if (!fns) {
    const set = new Set<() => void>();
    relays.set(signal, set);
    signal.addEventListener('abort', () => {
      for (const f of [...set]) f();
      set.clear();
    });
    fns = set;
  }
  fns.add(fn);
  const registered = fns;
  return () => void registered.delete(fn);
}

/**
 * A lease whose signal aborts with `hold` or on release, and whose release runs `free` once
 * (`free` must not throw).
 *
 * The signal is made when first read: most holders never read it, and an AbortController, a
 * relay entry and an Error (with its stack) per lease were a measurable share of an
 * uncontended acquire+release's client CPU (bench/lock-vs-peers.mjs). Read after the lease
 * ended, it is already aborted, with the reason it would have had.
 */
export function leaseOf(
  client: ZkClient,
  path: string,
  nodePath: string,
  fencingToken: bigint,
  hold: AbortSignal,
  free: () => Promise<void>,
): Lease {
  let done: AbortController | undefined;
  let stopHold: (() => void) | undefined;
  let releasing: Promise<void> | undefined;
  /** Why the hold signal aborted, if it had when the lease was released. */
  let lostFirst: LeaseLostError | undefined;
  const release = () => {
    if (releasing) return releasing;
    if (hold.aborted) lostFirst = reasonOf(hold);
    stopHold?.();
    done?.abort(releasedError(path));
    return (releasing = free());
  };
  const lease: Lease = {
    path,
    nodePath,
    fencingToken,
    get signal() {
      if (!done) {
        const c = new AbortController();
        done = c;
        if (releasing) c.abort(lostFirst ?? releasedError(path));
        else stopHold = onAbort(hold, () => c.abort(reasonOf(hold)));
      }
      return done.signal;
    },
    get released() {
      return releasing !== undefined;
    },
    assertHeld() {
      const signal = lease.signal;
      if (signal.aborted) throw abortReason(signal);
      const doubt = unconfirmedHold(client, path);
      if (doubt) {
        stopHold?.();
        done!.abort(doubt);
        throw doubt;
      }
    },
    release,
    [Symbol.asyncDispose]: release,
  };
  return lease;
}

/** The lease of a node held alone (no hand-off): its release deletes the node. */
export function makeLease(
  client: ZkClient,
  path: string,
  held: HeldNode,
  holdSignal: AbortSignal,
  releaseLocal: () => void,
): Lease {
  const free = async () => {
    try {
      // A guaranteed delete: if it cannot be confirmed now it goes on in the background, and
      // the node also goes with the session. Either way the local turn is handed on, so one
      // failed release never blocks every later acquire (CURATOR-678).
      await held.release();
    } catch {
      /* deferred to the background delete */
    } finally {
      releaseLocal();
    }
  };
  return leaseOf(client, path, held.nodePath, fencingTokenOf(held.stat.czxid), holdSignal, free);
}
