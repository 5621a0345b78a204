import {
  AcquireTimeoutError,
  ClientClosedError,
  IllegalStateError,
  InvalidArgumentError,
  isRetryable,
  SessionExpiredError,
  validatePath,
  type Contention,
  type ZkClient,
} from '@zk-recipes/core';
import { joinSignals, Lifecycle } from '@zk-recipes/core/recipe';
import { LeadershipLostError } from './errors.js';
import { LeadershipEnds } from './leadership-signal.js';
import { readParticipants, type ElectionParticipant } from './participants.js';
import { watchOwnNode } from './own-node.js';
import { backoffMs, sleep, untilHoldable } from './waits.js';

/** Curator's LeaderLatch lock name: nodes are `_c_<uuid>-latch-<seq>`. */
export const LATCH_NAME = 'latch-';

/** `silent`: close() gives leadership up without calling notLeader listeners (Curator's default). */
export type CloseMode = 'silent' | 'notifyLeader';

/** What a leader gets: how long it leads (the signal) and its fencing epoch. */
export interface Leadership {
  /**
   * Grows with each new leadership on the path: the czxid of the leader's latch node, so it
   * only grows as leadership passes down the line. A leader that keeps its node through a
   * short disconnect (same session) keeps its epoch: nobody else led in between.
   */
  readonly epoch: bigint;
  /** Aborts the moment leadership may be lost: per the client's error policy, on node loss, on close. */
  readonly signal: AbortSignal;
  /** The leader's latch node. */
  readonly nodePath: string;
}

export interface LeaderLatchEvents extends Record<string, unknown[]> {
  isLeader: [Leadership];
  notLeader: [];
  /** An error the latch survived (it goes on trying). */
  error: [unknown];
}

export interface LeaderLatchOptions {
  /** This participant's id, written as its node's data (UTF-8). Default: ''. */
  id?: string;
  /** How close() treats listeners; default `silent`, as Curator's. */
  closeMode?: CloseMode;
}

/**
 * Leader election by Curator's LeaderLatch protocol: every participant keeps a node
 * `_c_<uuid>-latch-<seq>` (data = its id) under `path`; the first in line leads, each other
 * watches the one just before it. Java services using Curator's LeaderLatch on the same path
 * take part in the same election.
 *
 * @example
 * await using latch = new LeaderLatch(client, '/services/billing/leader', { id: 'billing-1' });
 * latch.on('isLeader', ({ signal, epoch }) => runScheduler({ signal, epoch }));
 * await latch.start();
 */
export class LeaderLatch extends Lifecycle<LeaderLatchEvents> {
  readonly id: string;
  private readonly data: Buffer;
  private closeMode: CloseMode;
  private current: Leadership | undefined;
  private running: Promise<void> | undefined;
  private resigned: AbortController | undefined;
  /** Settles when the present turn in line (one node) is over and its node deleted. */
  private turn: Promise<void> | undefined;
  /** The node we hold, once contend() granted it, until it is released. */
  private held: Contention | undefined;

  constructor(
    readonly client: ZkClient,
    path: string,
    options: LeaderLatchOptions = {},
  ) {
    super('leaderLatch', validatePath(path));
    const id = options.id ?? '';
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'id must be a string');
    const mode = options.closeMode ?? 'silent';
    if (mode !== 'silent' && mode !== 'notifyLeader') {
      throw new InvalidArgumentError('closeMode', 'closeMode must be silent or notifyLeader');
    }
    this.id = id;
    this.data = Buffer.from(id);
    this.closeMode = mode;
  }

  /** Whether this participant leads now. */
  hasLeadership(): boolean {
    return this.current !== undefined && !this.current.signal.aborted;
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
      if (mode !== 'silent' && mode !== 'notifyLeader') {
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
    const turn = this.turn;
    this.resigned?.abort(new LeadershipLostError('resigned', this.path));
    await turn;
  }

  /**
   * Resolves with the leadership once this participant leads (at once if it does). Rejects
   * with AcquireTimeoutError after `timeoutMs`, the signal's reason on abort, and
   * RecipeClosedError when the latch closes first.
   */
  async awaitLeadership(
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<Leadership> {
    const t = options.timeoutMs;
    if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t >= 0)) {
      throw new InvalidArgumentError('timeoutMs', 'timeoutMs must be a number >= 0');
    }
    if (this.state !== 'STARTED')
      throw new IllegalStateError(this.state, 'the latch is not started', { path: this.path });
    options.signal?.throwIfAborted();
    const now = this.leadership;
    if (now) return now;
    const stop = [this.closeSignal, ...(options.signal ? [options.signal] : [])];
    return new Promise((resolve, reject) => {
      const timer =
        t === undefined
          ? undefined
          : setTimeout(() => finish(() => reject(new AcquireTimeoutError(this.path, t))), t);
      const off = this.on('isLeader', (l) => finish(() => resolve(l)));
      const onStop = () => finish(() => reject(stop.find((s) => s.aborted)!.reason as Error));
      stop.forEach((s) => s.addEventListener('abort', onStop, { once: true }));
      const finish = (then: () => void) => {
        if (timer) clearTimeout(timer);
        off();
        stop.forEach((s) => s.removeEventListener('abort', onStop));
        then();
      };
    });
  }

  /** Every participant in line order; the first leads. */
  getParticipants(): Promise<ElectionParticipant[]> {
    return readParticipants(this.client, this.path, LATCH_NAME);
  }

  /** The participant that leads now, or undefined when there is none. */
  async getLeader(): Promise<ElectionParticipant | undefined> {
    return (await this.getParticipants())[0];
  }

  protected onStart(): Promise<void> {
    this.running = this.run();
    return Promise.resolve();
  }

  protected override onClosing(): void {
    // The next in line waits on our delete, so this is the start of the failover
    // (bench/leader-failover.mjs): it leaves before the close signal's abort listeners run
    // (they take time on this path: ADR 0012), not after the loop below unwinds through its
    // awaits. Our leadership signal aborts with the close signal, in this same synchronous run.
    void this.held?.release().catch(() => undefined);
  }

  protected async onClose(): Promise<void> {
    await this.running;
  }

  /** Joins the line, leads while allowed, and joins again after losing the node or session. */
  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closeSignal.aborted) {
      let held: Contention | undefined;
      let turnOver!: () => void;
      this.turn = new Promise((r) => (turnOver = r));
      this.resigned = new AbortController();
      // Not AbortSignal.any: the close signal lives as long as the latch (see joinSignals).
      const turnSignal = joinSignals([this.closeSignal, this.resigned.signal]);
      const stop = turnSignal.signal!;
      try {
        // Made now, while we wait in line, not on the grant (see LeadershipEnds).
        const first = this.leadershipEnds(stop);
        held = await this.client.contend(this.path, {
          lockName: LATCH_NAME,
          data: this.data,
          signal: stop,
        });
        this.held = held;
        failures = 0;
        await this.lead(held, stop, first);
      } catch (e) {
        if (this.closeSignal.aborted || e instanceof ClientClosedError) break;
        // A session lost while waiting is routine: join again on the new session at once. A
        // connection lost mid-request is routine too (not reported), but waits a little.
        if (!(e instanceof SessionExpiredError) && !this.resigned.signal.aborted) {
          if (!isRetryable(e)) this.report(e);
          await sleep(backoffMs(++failures), this.closeSignal).catch(() => undefined);
        }
      } finally {
        this.held = undefined;
        turnSignal.dispose();
        // Guaranteed: a delete that cannot be confirmed now goes on in the background, so a
        // node of ours never outlives the latch (CURATOR-3: nothing is re-created after close).
        if (held) await held.release().catch(() => undefined);
        turnOver();
      }
    }
  }

  /** A leadership's signal for this turn; `stop` aborts on close (it joins the close signal) and on resign. */
  private leadershipEnds(stop: AbortSignal): LeadershipEnds {
    const ends = new LeadershipEnds(this.path);
    ends.watch(stop, () => (this.closeSignal.aborted ? 'closed' : 'resigned'));
    return ends;
  }

  /**
   * Leads on `held` for as long as the session, the node and the latch allow. Returns (to join
   * again) when the node is gone; keeps the node through SUSPENDED, and leads again on it when
   * the same session comes back (nobody else can have led while it existed).
   */
  private async lead(held: Contention, stop: AbortSignal, first: LeadershipEnds): Promise<void> {
    const own = watchOwnNode(this.client, held);
    for (let ends = first; ; ends = this.leadershipEnds(stop)) {
      // Waiting for the connection may take long: watch our node through it.
      if (this.client.holdSignal().aborted) own.arm();
      // Only the session that made the node may lead on it (CURATOR-604, CURATOR-696).
      const now = untilHoldable(this.client, held.sessionId, stop);
      const hold = now instanceof AbortSignal ? now : await now;
      if (own.gone) return;
      if (ends !== first) {
        // Replies come in order behind the reconnect's SetWatches: a deletion during the
        // disconnect has fired our watch by the time this exists() answers.
        const stat = await this.client.exists(held.nodePath, { signal: stop });
        if (!stat || own.gone || hold.aborted) return;
      }
      ends.watch(hold, 'connection');
      own.onGone(() => ends.end('node'));
      const { signal } = ends;
      const leadership: Leadership = { epoch: held.fencingToken, signal, nodePath: held.nodePath };
      this.current = leadership;
      this.emit('isLeader', leadership);
      own.arm(); // after the listeners: off the failover's critical path (see watchOwnNode)
      const why = await ends.ended;
      own.onGone(undefined);
      this.current = undefined;
      if (!(this.closeSignal.aborted && this.closeMode === 'silent')) this.emit('notLeader');
      // The node is gone, or we close or resign: release it. A lost connection: lead again on
      // the same node if the same session comes back.
      if (why !== 'connection') return;
    }
  }
}
