import {
  ClientClosedError,
  InvalidArgumentError,
  isRetryable,
  SessionExpiredError,
  validatePath,
  type Contention,
  type ZkClient,
} from '@zk-recipes/core';
import { Lifecycle } from '@zk-recipes/core/recipe';
import type { LeadershipEnd } from './errors.js';
import { leadershipSignal } from './leadership-signal.js';
import type { Leadership } from './latch.js';
import { watchOwnNode } from './own-node.js';
import { readParticipants, type ElectionParticipant } from './participants.js';
import { backoffMs, sleep, untilHoldable } from './waits.js';

/** LeaderSelector contends through a mutex at its path, as Curator's: nodes `_c_<uuid>-lock-<seq>`. */
export const SELECTOR_LOCK_NAME = 'lock-';

export interface LeaderSelectorOptions {
  /** This participant's id, written as its lock node's data (UTF-8). Default: ''. */
  id?: string;
  /** Queue again each time leadership ends, however it ended. Default false, as Curator's. */
  autoRequeue?: boolean;
  /**
   * Runs while this participant leads; leadership ends when it settles. Stop when `signal`
   * aborts (the session may be lost, the node is gone, interruptLeadership(), close()).
   * `epoch` is the lock node's czxid: it grows with each new leadership on the path.
   */
  takeLeadership: (signal: AbortSignal, epoch: bigint) => Promise<void> | void;
}

export interface LeaderSelectorEvents extends Record<string, unknown[]> {
  isLeader: [Leadership];
  notLeader: [];
  /** takeLeadership threw, or an error the selector survived (it goes on). */
  error: [unknown];
}

/**
 * Leader election by Curator's LeaderSelector protocol: a mutex at `path` (data = the id);
 * this participant leads while its `takeLeadership` runs, then gives the lock up and, with
 * `autoRequeue` (or after requeue()), queues again. Java LeaderSelectors on the same path take
 * part in the same election.
 *
 * @example
 * await using selector = new LeaderSelector(client, '/jobs/compaction', {
 *   id: 'worker-7',
 *   autoRequeue: true,
 *   takeLeadership: async (signal, epoch) => { await compactUntil(signal, epoch); },
 * });
 * await selector.start();
 */
export class LeaderSelector extends Lifecycle<LeaderSelectorEvents> {
  readonly id: string;
  private readonly data: Buffer;
  private readonly autoRequeue: boolean;
  private readonly takeLeadership: LeaderSelectorOptions['takeLeadership'];
  private queued = false;
  private wake: (() => void) | undefined;
  private current: (Leadership & { end: (why: LeadershipEnd) => void }) | undefined;
  private running: Promise<void> | undefined;

  constructor(
    readonly client: ZkClient,
    path: string,
    options: LeaderSelectorOptions,
  ) {
    super('leaderSelector', validatePath(path));
    const o = options as Partial<LeaderSelectorOptions> | undefined;
    if (typeof o?.takeLeadership !== 'function') {
      throw new InvalidArgumentError('takeLeadership', 'takeLeadership must be a function');
    }
    const id = o.id ?? '';
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'id must be a string');
    if (o.autoRequeue !== undefined && typeof o.autoRequeue !== 'boolean') {
      throw new InvalidArgumentError('autoRequeue', 'autoRequeue must be a boolean');
    }
    this.id = id;
    this.data = Buffer.from(id);
    this.autoRequeue = o.autoRequeue ?? false;
    this.takeLeadership = o.takeLeadership;
  }

  /** Whether takeLeadership runs now and its signal has not aborted. */
  hasLeadership(): boolean {
    return this.current !== undefined && !this.current.signal.aborted;
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
    this.current?.end('interrupted');
  }

  /** Every participant in line order; the first leads. */
  getParticipants(): Promise<ElectionParticipant[]> {
    return readParticipants(this.client, this.path, SELECTOR_LOCK_NAME);
  }

  /** The participant that leads now, or undefined when there is none. */
  async getLeader(): Promise<ElectionParticipant | undefined> {
    return (await this.getParticipants())[0];
  }

  protected onStart(): Promise<void> {
    this.queued = true;
    this.running = this.run();
    return Promise.resolve();
  }

  /** Aborts the leadership signal and waits for takeLeadership to return and the node to go. */
  protected async onClose(): Promise<void> {
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closeSignal.aborted) {
      if (!this.queued) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      let held: Contention | undefined;
      try {
        held = await this.client.contend(this.path, {
          lockName: SELECTOR_LOCK_NAME,
          data: this.data,
          signal: this.closeSignal,
        });
        const now = untilHoldable(this.client, held.sessionId, this.closeSignal);
        const hold = now instanceof AbortSignal ? now : await now;
        // A turn is used up only once takeLeadership runs: a session lost while waiting in
        // line queues again by itself (CURATOR-16).
        this.queued = this.autoRequeue;
        failures = (await this.lead(held, hold)) ? failures + 1 : 0;
      } catch (e) {
        if (this.closeSignal.aborted || e instanceof ClientClosedError) break;
        if (!(e instanceof SessionExpiredError)) {
          if (!isRetryable(e)) this.report(e); // a connection lost mid-request is routine
          failures++;
        }
      } finally {
        if (held) await held.release().catch(() => undefined);
      }
      // After failures in a row, wait before the next turn, so a takeLeadership that throws at
      // once cannot spin; but never stop requeueing (CURATOR-15, CURATOR-518).
      if (failures > 0) await sleep(backoffMs(failures), this.closeSignal).catch(() => undefined);
    }
  }

  /** Runs takeLeadership on `held`; resolves true when it threw. */
  private async lead(held: Contention, hold: AbortSignal): Promise<boolean> {
    const own = watchOwnNode(this.client, held);
    const { signal, end } = leadershipSignal(this.path, [
      [hold, 'connection'],
      [this.closeSignal, 'closed'],
    ]);
    own.onGone(() => end('node'));
    this.current = { epoch: held.fencingToken, signal, nodePath: held.nodePath, end };
    this.emit('isLeader', { epoch: held.fencingToken, signal, nodePath: held.nodePath });
    own.arm(); // after the listeners, before takeLeadership can release (see watchOwnNode)
    let failed = false;
    try {
      await this.takeLeadership(signal, held.fencingToken);
    } catch (e) {
      // An error after the signal aborted is the callback stopping as asked.
      failed = !signal.aborted;
      if (failed) this.report(e);
    } finally {
      end('finished');
      this.current = undefined;
      this.emit('notLeader');
    }
    return failed;
  }
}
