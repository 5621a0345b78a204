import { NoNodeError, type Contention, type Stat, type ZkClient } from '@zk-recipes/core';

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
   * Grows strictly with each grant on this path (the lock node's czxid). Give it to the
   * resource the lock protects, and have the resource refuse a token lower than the highest it
   * has seen: that is what makes a holder that paused past its session harmless
   * (failure-scenarios.md 4, CURATOR-206).
   */
  readonly fencingToken: bigint;
  /**
   * Aborts when the lock may no longer be held: on SUSPENDED under the client's `standard`
   * error policy, on LOST under `session`, and on release. Stop the critical section then.
   */
  readonly signal: AbortSignal;
  readonly released: boolean;
  release(): Promise<void>;
}

/**
 * A node this client made and holds (a semaphore lease, a downgraded read node), in the shape
 * the contender gives: released with a guaranteed delete, a node already gone being fine.
 */
export function heldNode(client: ZkClient, nodePath: string, stat: Stat): Contention {
  return {
    nodePath,
    fencingToken: stat.czxid,
    sessionId: stat.ephemeralOwner,
    stat,
    release: async () => {
      await client.delete(nodePath, { guaranteed: true }).catch((e: unknown) => {
        if (!(e instanceof NoNodeError)) throw e;
      });
    },
  };
}

export function makeLease(
  path: string,
  held: Contention,
  holdSignal: AbortSignal,
  releaseLocal: () => void,
): Lease {
  const done = new AbortController();
  let releasing: Promise<void> | undefined;
  const release = () =>
    (releasing ??= (async () => {
      done.abort(new Error('released'));
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
    })());
  return {
    path,
    nodePath: held.nodePath,
    fencingToken: held.fencingToken,
    signal: AbortSignal.any([holdSignal, done.signal]),
    get released() {
      return releasing !== undefined;
    },
    release,
    [Symbol.asyncDispose]: release,
  };
}
