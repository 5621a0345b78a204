/**
 * What the turn (turn.ts) gives and takes: the leadership a leader gets, the events, how a
 * leadership ended, and what a recipe tells the turn.
 */
import type { LeadershipEnd } from './errors.js';

/** What a leader gets: how long it leads (the signal) and its fencing epoch. */
export interface Leadership {
  /**
   * Grows with each new leadership on the path: the czxid of the leader's node, so it only
   * grows as leadership passes down the line. A latch that keeps its node through a short
   * disconnect (same session) keeps its epoch: nobody else led in between.
   */
  readonly epoch: bigint;
  /** Aborts the moment leadership may be lost: per the client's error policy, on node loss, on close. */
  readonly signal: AbortSignal;
  /** The leader's node. */
  readonly nodePath: string;
  /**
   * Throws unless this leadership may still hold: the reason `signal` aborted with, or, when the
   * client has heard nothing from ZooKeeper for longer than the point at which its error policy
   * would count the leadership as lost (2/3 of the negotiated session timeout under `standard`),
   * a LeadershipLostError (`why` 'connection', `cause` a HoldUnconfirmedError), and `signal`
   * aborts with it. Synchronous, by the monotonic clock: a process that was paused past its
   * session sees it on its first call after resuming, before its client has read its socket.
   * Call it right before each write the leadership protects; the epoch still fences the rest.
   */
  assertHeld(): void;
}

export interface LeaderEvents extends Record<string, unknown[]> {
  isLeader: [Leadership];
  notLeader: [];
  /** An error the recipe survived (it goes on), or a leader's callback that threw. */
  error: [unknown];
}

/** How a leadership ended, as `leading()` tells the turn: its signal's reason, or `failed`. */
export type LeadingEnd = LeadershipEnd | 'failed';

/** What a recipe tells the turn at construction. */
export interface TurnOptions {
  /** The nodes' lock name: `_c_<uuid>-<lockName><seq>`. */
  readonly lockName: string;
  /** This participant's id (unchecked: the turn checks it), written as its node's data. */
  readonly id: unknown;
  /**
   * Whether a leadership lost with the connection leads again on the same node when the same
   * session comes back (the latch), rather than releasing the node (the selector).
   */
  readonly keepsNode: boolean;
}
