/**
 * The turn LeaderLatch and LeaderSelector share: join the line (client.contend), wait until
 * the session may hold, lead while the node, the session and the recipe allow, release the
 * node, and go round, backing off after failures. Each recipe supplies what differs: what
 * leading is (the latch waits for its signal; the selector runs takeLeadership), whether a
 * leadership lost with the connection leads again on the same node (`keepsNode`), its queue,
 * and its close mode (docs/recipes/leader.md, "SUSPENDED").
 */
import {
  ClientClosedError,
  IllegalStateError,
  InvalidArgumentError,
  isRetryable,
  SessionExpiredError,
  type HeldNode,
  type ZkClient,
} from '@zk-recipes/core';
import {
  abortReason,
  joinSignals,
  Lifecycle,
  RELEASE_BOUND_MS,
  sleep,
  whileConnected,
} from '@zk-recipes/core/recipe';
import { LeadershipLostError } from './errors.js';
import { isFatal } from './fatal.js';
import { LeadershipEnds } from './leadership-signal.js';
import { watchOwnNode } from './own-node.js';
import { readParticipants, type ElectionParticipant } from './participants.js';
import type { LeaderEvents, Leadership, LeadingEnd, TurnOptions } from './turn-types.js';
import { backoffMs, untilHoldable } from './waits.js';

/**
 * How long close() gives the turn to unwind once the connection is found down: half the
 * documented release bound, so close() returns within that bound (docs/recipes/leader.md).
 */
const CLOSE_GRACE_MS = RELEASE_BOUND_MS / 2;

/** A participant of an election that takes turns at leading; see the module's comment. */
export abstract class LeaderTurns extends Lifecycle<LeaderEvents> {
  readonly id: string;
  private readonly data: Buffer;
  private running: Promise<void> | undefined;
  /** Aborts the present turn without closing (resign). */
  private left: AbortController | undefined;
  /** Settles when the present turn is over and its node deleted. */
  private turn: Promise<void> | undefined;
  /** The node we hold, once contend() granted it, until it is released. */
  protected held: HeldNode | undefined;
  protected current: Leadership | undefined;
  /** The present leadership's ends (current's signal), to end it early. */
  protected currentEnds: LeadershipEnds | undefined;
  /**
   * Aborts when the turns stop for good while the recipe is not closed: the client closed
   * (ClientClosedError) or a fatal error (NoAuthError, ...). Waits on the recipe end with it.
   */
  private readonly halted = new AbortController();
  /** Settles start(): in line (our first node made), or the error that stopped the first turn. */
  private joined: { resolve: () => void; reject: (e: unknown) => void } | undefined;

  /** `path` must be validated by the subclass, so it checks its options in its own order. */
  protected constructor(
    recipe: string,
    readonly client: ZkClient,
    path: string,
    private readonly options: TurnOptions,
  ) {
    super(recipe, path);
    const id = options.id ?? '';
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'id must be a string');
    this.id = id;
    this.data = Buffer.from(id);
  }

  /** Whether this participant leads now (its leadership signal has not aborted). */
  hasLeadership(): boolean {
    return this.current !== undefined && !this.current.signal.aborted;
  }

  /**
   * While this participant leads, replaces its node's data, which every participant reads as
   * the leader's id (etcd's Proclaim: tell followers where the leader serves now, without an
   * election). Throws IllegalStateError when it does not lead.
   *
   * @example
   * latch.on('isLeader', () => void latch.proclaim(`${host}:${port}`));
   */
  async proclaim(value: string | Buffer, options: { signal?: AbortSignal } = {}): Promise<void> {
    const now = this.current;
    if (now === undefined || now.signal.aborted) {
      throw new IllegalStateError(this.state, 'only the leader can proclaim', { path: this.path });
    }
    await this.client.setData(now.nodePath, value, options);
  }

  /** Every participant in line order; the first leads. */
  getParticipants(): Promise<ElectionParticipant[]> {
    return readParticipants(this.client, this.path, this.options.lockName);
  }

  /** The participant that leads now, or undefined when there is none. */
  async getLeader(): Promise<ElectionParticipant | undefined> {
    return (await this.getParticipants())[0];
  }

  /** Aborts with the error that stopped the turns for good (see `halted`). */
  protected get haltSignal(): AbortSignal {
    return this.halted.signal;
  }

  /**
   * Resolves once this participant is in line (its first node made), or once its first turn
   * failed with an error it goes on after; rejects with ClientClosedError on a closed client and
   * with an error no turn can cure (NoAuthError), and the recipe is closed then.
   */
  protected async onStart(): Promise<void> {
    const joined = new Promise<void>((resolve, reject) => (this.joined = { resolve, reject }));
    if (this.client.closeSignal.aborted) this.halt(abortReason(this.client.closeSignal));
    else this.running = this.run();
    try {
      await joined;
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** The turns stop for good with `e`; a start() still pending rejects with it. */
  private halt(e: Error): void {
    this.halted.abort(e);
    this.joined?.reject(e);
    this.joined = undefined;
  }

  /**
   * Waits for the turn to unwind and its node to go, but not past the connection: with
   * ZooKeeper gone, at most CLOSE_GRACE_MS once the connection is found down (a request in
   * flight would otherwise hold close() for its retries, minutes with a stopped server). The
   * node's delete then goes on in the background, or the node goes with its session; what the
   * turn still waits for settles by itself (at the request's deadline, on reconnect, or when
   * the client closes) and leaves the line, since the recipe is closed.
   */
  protected async onClose(): Promise<void> {
    if (this.running) await whileConnected(this.client, this.running, CLOSE_GRACE_MS);
  }

  /**
   * What leading is, from isLeader on: resolves when it is over, with how it ended. A recipe
   * that only waits for the signal returns `ends.ended` itself: an async wrapper would put
   * ticks between the signal's end and the turn going on.
   */
  protected abstract leading(leadership: Leadership, ends: LeadershipEnds): Promise<LeadingEnd>;

  /** Before each turn: a promise to wait on first (then the loop looks again), or undefined to go. */
  protected nextTurn(): Promise<void> | undefined {
    return undefined;
  }

  /** Called just before isLeader: the turn is used now (not while waiting in line). */
  protected willLead(): void {}

  /** Whether to emit notLeader as a leadership ends. */
  protected tellsNotLeader(): boolean {
    return true;
  }

  /** Ends the present turn (leadership or place in line); resolves once its node is deleted. */
  protected async leaveTurn(): Promise<void> {
    const turn = this.turn;
    this.left?.abort(new LeadershipLostError('resigned', this.path));
    await turn;
  }

  /** Joins the line, leads while allowed, and joins again after losing the node or session. */
  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closeSignal.aborted) {
      const wait = this.nextTurn();
      if (wait) {
        await wait;
        continue;
      }
      let held: HeldNode | undefined;
      let failed = false;
      let turnOver!: () => void;
      this.turn = new Promise((r) => (turnOver = r));
      this.left = new AbortController();
      // Not AbortSignal.any: the close signal lives as long as the recipe (see joinSignals).
      const turnSignal = joinSignals([this.closeSignal, this.left.signal]);
      const stop = turnSignal.signal!;
      try {
        // Made now, while we wait in line, not on the grant (see LeadershipEnds).
        const first = this.leadershipEnds(stop);
        held = await this.client.contend(this.path, {
          lockName: this.options.lockName,
          data: this.data,
          signal: stop,
          onCreated: this.joined && (() => this.inLine()),
        });
        this.held = held;
        failed = await this.lead(held, stop, first);
        failures = failed ? failures + 1 : 0;
      } catch (e) {
        if (this.closeSignal.aborted) break;
        if (e instanceof ClientClosedError || isFatal(e)) {
          // Another turn would fail the same way: stop, and say why to whoever waits (a
          // pending start() rejects with it; after start, the `error` event tells it).
          if (!(e instanceof ClientClosedError) && !this.joined) this.report(e);
          this.halt(e as Error);
          break;
        }
        // A session lost is routine: join again on the new session at once (CURATOR-16), as
        // after leaving the turn. A connection lost mid-request is routine too (not
        // reported), but waits a little.
        if (!(e instanceof SessionExpiredError) && !stop.aborted) {
          if (!isRetryable(e)) this.report(e);
          failed = true;
          failures++;
        }
        this.inLine(); // start() resolves: the participant goes on trying
      } finally {
        this.held = undefined;
        turnSignal.dispose();
        // Guaranteed: a delete that cannot be confirmed now goes on in the background, so a
        // node of ours never outlives the recipe (CURATOR-3: nothing is re-created after close).
        if (held) await held.release().catch(() => undefined);
        turnOver();
      }
      // After failures in a row, wait before the next turn, so a callback that throws at once
      // cannot spin; but never stop taking turns (CURATOR-15, CURATOR-518).
      if (failed) await sleep(backoffMs(failures), this.closeSignal).catch(() => undefined);
    }
    this.inLine(); // closed during start(): it resolves, as close() does
  }

  /** start() resolves (once). */
  private inLine(): void {
    this.joined?.resolve();
    this.joined = undefined;
  }

  /** A leadership's signal for this turn; `stop` aborts on close (it joins the close signal) and on leaving. */
  private leadershipEnds(stop: AbortSignal): LeadershipEnds {
    const ends = new LeadershipEnds(this.path);
    ends.watch(stop, () => (this.closeSignal.aborted ? 'closed' : 'resigned'));
    return ends;
  }

  /**
   * Leads on `held` for as long as the session, the node and the recipe allow; resolves true
   * when leading failed. Returns (to release the node) once leadership ends, except that with
   * `keepsNode` a leadership lost with the connection leads again on the same node when the
   * same session comes back (nobody else can have led while it existed).
   */
  private async lead(held: HeldNode, stop: AbortSignal, first: LeadershipEnds): Promise<boolean> {
    const own = watchOwnNode(this.client, held);
    for (let ends = first; ; ends = this.leadershipEnds(stop)) {
      // Waiting for the connection may take long: watch our node through it.
      if (this.client.holdSignal().aborted) own.arm();
      // Only the session that made the node may lead on it (CURATOR-604, CURATOR-696).
      const now = untilHoldable(this.client, held.sessionId, stop);
      const hold = now instanceof AbortSignal ? now : await now;
      if (own.gone) return false;
      if (ends !== first) {
        // Replies come in order behind the reconnect's SetWatches: a deletion during the
        // disconnect has fired our watch by the time this exists() answers.
        const stat = await this.client.exists(held.nodePath, { signal: stop });
        if (!stat || own.gone || hold.aborted) return false;
      }
      ends.watch(hold, 'connection');
      own.onGone(() => ends.end('node'));
      const leadership = ends.leadership(this.client, held);
      this.current = leadership;
      this.currentEnds = ends;
      this.willLead();
      this.emit('isLeader', leadership);
      own.arm(); // after the listeners: off the failover's critical path (see watchOwnNode)
      const why = await this.leading(leadership, ends);
      own.onGone(undefined);
      this.current = undefined;
      this.currentEnds = undefined;
      if (this.tellsNotLeader()) this.emit('notLeader');
      if (why === 'failed') return true;
      if (why !== 'connection' || !this.options.keepsNode) return false;
    }
  }
}
