import {
  AcquireTimeoutError,
  IllegalStateError,
  InvalidArgumentError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import { Deadline, joinSignals, waitFor, type WaitOptions } from '@zk-recipes/core/recipe';
import type { LeadershipEnds } from './leadership-signal.js';
import { LeaderTurns } from './turn.js';
import type { LeaderEvents, Leadership, LeadingEnd } from './turn-types.js';

export type { Leadership } from './turn-types.js';

/** Curator's LeaderLatch lock name: nodes are `_c_<uuid>-latch-<seq>`. */
export const LATCH_NAME = 'latch-';

/** `silent`: close() gives leadership up without calling notLeader listeners (Curator's default). */
export type CloseMode = 'silent' | 'notifyLeader';

/** isLeader, notLeader, and `error`: an error the latch survived (it goes on trying). */
export type LeaderLatchEvents = LeaderEvents;

/** Options of a {@link LeaderLatch}. */
export interface LeaderLatchOptions {
  /** This participant's id, written as its node's data (UTF-8). Default: ''. */
  id?: string;
  /** How close() treats listeners; default `silent`, as Curator's. */
  closeMode?: CloseMode;
}

const isCloseMode = (m: unknown): m is CloseMode => m === 'silent' || m === 'notifyLeader';

/**
 * Leader election by Curator's LeaderLatch protocol: every participant keeps a node
 * `_c_<uuid>-latch-<seq>` (data = its id) under `path`; the first in line leads, each other
 * watches the one just before it. Java services using Curator's LeaderLatch on the same path
 * take part in the same election.
 *
 * A latch leads for as long as it may: its node is kept through SUSPENDED, and it leads again
 * on it when the same session comes back (docs/adr/0008; the turn itself is in turn.ts).
 *
 * @example
 * await using latch = new LeaderLatch(client, '/services/billing/leader', { id: 'billing-1' });
 * latch.on('isLeader', ({ signal, epoch }) => runScheduler({ signal, epoch }));
 * await latch.start();
 */
export class LeaderLatch extends LeaderTurns {
  private closeMode: CloseMode;

  constructor(client: ZkClient, path: string, options: LeaderLatchOptions = {}) {
    super('leaderLatch', client, validatePath(path), {
      lockName: LATCH_NAME,
      id: options.id,
      keepsNode: true,
    });
    const mode = options.closeMode ?? 'silent';
    if (!isCloseMode(mode)) {
      throw new InvalidArgumentError('closeMode', 'closeMode must be silent or notifyLeader');
    }
    this.closeMode = mode;
  }

  /** The present leadership, while this participant leads. */
  get leadership(): Leadership | undefined {
    return this.hasLeadership() ? this.current : undefined;
  }

  /** Our latch node once it was first in line (undefined while waiting; see getParticipants()). */
  get nodePath(): string | undefined {
    return this.held?.nodePath;
  }

  /** Closes the latch (giving leadership up); `mode` overrides the closeMode option. */
  override close(mode?: CloseMode): Promise<void> {
    if (mode !== undefined) {
      if (!isCloseMode(mode)) {
        return Promise.reject(
          new InvalidArgumentError('mode', 'mode must be silent or notifyLeader'),
        );
      }
      if (this.state !== 'CLOSED') this.closeMode = mode;
    }
    return super.close();
  }

  /**
   * Gives leadership (or our place in line) up and joins again at the back of the line
   * (etcd's Resign). Resolves once our old node is deleted.
   */
  async resign(): Promise<void> {
    if (this.state !== 'STARTED') {
      throw new IllegalStateError(this.state, 'the latch is not started', { path: this.path });
    }
    await this.leaveTurn();
  }

  /**
   * Resolves with the leadership once this participant leads (at once if it does). Rejects
   * with AcquireTimeoutError after `timeoutMs`, the signal's reason on abort,
   * RecipeClosedError when the latch closes first, ClientClosedError when its client does, and
   * the error that stopped the latch for good (NoAuthError: this client may not take part).
   */
  async awaitLeadership(options: WaitOptions = {}): Promise<Leadership> {
    const deadline = Deadline.of(options);
    if (this.state !== 'STARTED')
      throw new IllegalStateError(this.state, 'the latch is not started', { path: this.path });
    deadline.throwIfAborted();
    const now = this.leadership;
    if (now) return now;
    // Not AbortSignal.any: the close signal lives as long as the latch (see joinSignals).
    const stop = joinSignals([this.closeSignal, this.haltSignal, deadline.signal]);
    try {
      const l = await waitFor<Leadership>(deadline.withSignal(stop.signal), (settle) =>
        this.on('isLeader', settle),
      );
      if (l === undefined) throw new AcquireTimeoutError(this.path, deadline.timeoutMs ?? 0);
      return l;
    } finally {
      stop.dispose();
    }
  }

  protected override onClosing(): void {
    // The next in line waits on our delete, so this is the start of the failover
    // (bench/leader-failover.mjs): it leaves before the close signal's abort listeners run
    // (ADR 0012 has what they cost), not after the turn unwinds through its awaits.
    // Our leadership signal aborts with the close signal, in this same synchronous run.
    void this.held?.release().catch(() => undefined);
  }

  /** A latch leads until its signal aborts: nothing to run, so no await of its own. */
  protected leading(_l: Leadership, ends: LeadershipEnds): Promise<LeadingEnd> {
    return ends.ended;
  }

  protected override tellsNotLeader(): boolean {
    return !(this.closeSignal.aborted && this.closeMode === 'silent');
  }
}
