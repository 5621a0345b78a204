import { InvalidArgumentError, validatePath, type ZkClient } from '@zk-recipes/core';
import type { LeadershipEnds } from './leadership-signal.js';
import { LeaderTurns } from './turn.js';
import type { LeaderEvents, Leadership, LeadingEnd } from './turn-types.js';

/** LeaderSelector contends through a mutex at its path, as Curator's: nodes `_c_<uuid>-lock-<seq>`. */
export const SELECTOR_LOCK_NAME = 'lock-';

/** Options of a {@link LeaderSelector}. */
export interface LeaderSelectorOptions {
  /** This participant's id, written as its lock node's data (UTF-8). Default: ''. */
  id?: string;
  /** Queue again each time leadership ends, however it ended. Default false, as Curator's. */
  autoRequeue?: boolean;
  /**
   * Runs while this participant leads; leadership ends when it settles. Stop when `signal`
   * aborts (the session may be lost, the node is gone, interruptLeadership(), close()).
   * `epoch` is the lock node's czxid: it grows with each new leadership on the path.
   * `leadership.assertHeld()` checks, synchronously, that it still may lead before a write.
   */
  takeLeadership: (
    signal: AbortSignal,
    epoch: bigint,
    leadership: Leadership,
  ) => Promise<void> | void;
}

/** isLeader, notLeader, and `error`: takeLeadership threw, or an error the selector survived. */
export type LeaderSelectorEvents = LeaderEvents;

/** The options, once takeLeadership is known to be there (checked after the path, before the id). */
function withCallback(options: LeaderSelectorOptions): LeaderSelectorOptions {
  const o = options as Partial<LeaderSelectorOptions> | undefined;
  if (typeof o?.takeLeadership !== 'function') {
    throw new InvalidArgumentError('takeLeadership', 'takeLeadership must be a function');
  }
  return options;
}

/**
 * Leader election by Curator's LeaderSelector protocol: a mutex at `path` (data = the id);
 * this participant leads while its `takeLeadership` runs, then gives the lock up and, with
 * `autoRequeue` (or after requeue()), queues again. Java LeaderSelectors on the same path take
 * part in the same election.
 *
 * One takeLeadership per turn: a leadership lost with the connection (SUSPENDED under the
 * `standard` policy) ends the turn once the callback returns, and the node is released, as
 * Curator's (docs/recipes/leader.md, "SUSPENDED"; the turn itself is in turn.ts).
 *
 * @example
 * await using selector = new LeaderSelector(client, '/jobs/compaction', {
 *   id: 'worker-7',
 *   autoRequeue: true,
 *   takeLeadership: async (signal, epoch) => { await compactUntil(signal, epoch); },
 * });
 * await selector.start();
 */
export class LeaderSelector extends LeaderTurns {
  private readonly autoRequeue: boolean;
  private readonly takeLeadership: LeaderSelectorOptions['takeLeadership'];
  /** Whether a turn is owed: set by start() and requeue(), used up as takeLeadership starts. */
  private queued = false;
  private wake: (() => void) | undefined;

  constructor(client: ZkClient, path: string, options: LeaderSelectorOptions) {
    // Checked in this order: the path, takeLeadership, the id, autoRequeue.
    super('leaderSelector', client, validatePath(path), {
      lockName: SELECTOR_LOCK_NAME,
      id: withCallback(options).id,
      keepsNode: false,
    });
    const { autoRequeue } = options;
    if (autoRequeue !== undefined && typeof autoRequeue !== 'boolean') {
      throw new InvalidArgumentError('autoRequeue', 'autoRequeue must be a boolean');
    }
    this.autoRequeue = autoRequeue ?? false;
    this.takeLeadership = options.takeLeadership;
  }

  /**
   * Queues one more turn (after the present leadership, if any). Returns false when a turn is
   * already queued or the selector is not started.
   */
  requeue(): boolean {
    if (this.state !== 'STARTED' || this.queued) return false;
    this.queued = true;
    this.wake?.();
    return true;
  }

  /** Aborts the present leadership's signal; takeLeadership should return soon after. */
  interruptLeadership(): void {
    this.currentEnds?.end('interrupted');
  }

  protected override onStart(): Promise<void> {
    this.queued = true;
    return super.onStart();
  }

  /** Aborts the leadership signal and waits for takeLeadership to return and the node to go. */
  protected override onClose(): Promise<void> {
    this.wake?.();
    return super.onClose();
  }

  protected override nextTurn(): Promise<void> | undefined {
    return this.queued ? undefined : this.untilQueued();
  }

  private async untilQueued(): Promise<void> {
    await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
  }

  /** A turn is used up only once it leads: one lost while waiting in line goes again (CURATOR-16). */
  protected override willLead(): void {
    this.queued = this.autoRequeue;
  }

  /** Runs takeLeadership; the leadership (and with it the turn) ends when it settles. */
  protected async leading(leadership: Leadership, ends: LeadershipEnds): Promise<LeadingEnd> {
    const { signal, epoch } = leadership;
    try {
      await this.takeLeadership(signal, epoch, leadership);
    } catch (e) {
      // An error after the signal aborted is the callback stopping as asked.
      if (!signal.aborted) {
        this.report(e);
        ends.end('finished');
        return 'failed';
      }
    }
    ends.end('finished');
    return ends.why!;
  }
}
