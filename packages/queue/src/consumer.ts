/**
 * Handing items out: one channel per queue object, shared by `take`, `messages()` and every
 * worker of `consume()`. The items of one node go out one at a time, in order, so that "the
 * unprocessed rest of a batch" is always a suffix.
 */
import type { ZkClient } from '@zk-recipes/core';
import { Deadline, sleep, untilAborted } from '@zk-recipes/core/recipe';
import type { Claim } from './claim.js';
import type { ClaimContext } from './settle.js';
import { takeNode, type Taken } from './take.js';
import type { QueueListing } from './listing.js';
import type { Message } from './message.js';

/** Pause after an error that is not the item's (a request failed while taking it). */
const ERROR_PAUSE_MS = 100;

export class Channel<T> {
  private readonly claims = new Set<Claim<T>>();
  /** The queue closed (releaseAll): a node taken late is given back, not kept. */
  private closed = false;

  constructor(
    private readonly ctx: ClaimContext<T>,
    private readonly listing: QueueListing,
  ) {}

  /** The queue's client (the loops bound their waits on its connection). */
  get client(): ZkClient {
    return this.ctx.client;
  }

  /**
   * The next message, or undefined at the deadline; rejects with the signal's reason as soon as
   * it aborts, even with a listing or a take in flight that ZooKeeper cannot answer now: that
   * goes on by itself, and a node it takes after the caller left is given back (late()).
   */
  async next(deadline: Deadline): Promise<Message<T> | undefined> {
    for (;;) {
      deadline.throwIfAborted();
      for (const c of this.claims) {
        if (c.finished) this.claims.delete(c);
        else if (c.ready) return c.message();
      }
      const step = await untilAborted(this.step(deadline), deadline.signal, (s) => {
        if (typeof s === 'object') this.late(s);
      });
      if (typeof step === 'object') {
        this.claims.add(step);
        return step.message();
      }
      if (step === 'again') continue;
      if (deadline.expired) return undefined;
      await this.listing.changed(deadline, step);
      if (deadline.expired) return undefined;
    }
  }

  /**
   * One try: a node taken (its claim, with a message ready), 'again' (what was picked was
   * gone, locked, corrupt or empty), or nothing free now (the time the first item not yet
   * due becomes due, if any).
   */
  private async step(deadline: Deadline): Promise<Claim<T> | 'again' | number | undefined> {
    const { name, dueAt } = await this.listing.pick(Date.now);
    if (name === undefined) return dueAt;
    if (deadline.signal?.aborted) {
      this.listing.released(name); // the caller left while the listing was in flight
      return 'again';
    }
    let taken: Taken<T>;
    try {
      taken = await takeNode(this.ctx, this.listing, name);
    } catch (e) {
      this.listing.released(name);
      this.ctx.report(e);
      await sleep(Math.min(ERROR_PAUSE_MS, deadline.remainingMs()), deadline.signal);
      return 'again';
    }
    if ('skip' in taken) {
      if (taken.skip === 'locked') this.listing.lockedElsewhere(name);
      else this.listing.finished(name);
      if (taken.skip !== 'corrupt') this.listing.collided();
      return 'again';
    }
    this.listing.tookAlone();
    const { claim } = taken;
    if (claim.ready) return claim;
    await claim.discardEmpty().catch((e: unknown) => this.ctx.report(e));
    return 'again';
  }

  /**
   * A node taken after its caller left (aborted, or the queue closed): given back at once, so
   * that no item stays locked by a consumer that is not there. At most once its node is
   * deleted already: kept for the next caller instead while the queue is open (given back, it
   * would be dead-lettered or dropped).
   */
  private late(claim: Claim<T>): void {
    if (!this.closed && this.ctx.mode === 'at-most-once') {
      this.claims.add(claim);
      return;
    }
    claim.release().catch((e: unknown) => this.ctx.report(e));
  }

  /** Gives back the node of `message` (unsettled when a loop left it). */
  async releaseOf(message: Message<T>): Promise<void> {
    for (const c of this.claims) {
      if (c.name === message.name && !c.finished) await c.release();
    }
  }

  /** Gives back every node taken and not finished (close). */
  async releaseAll(): Promise<void> {
    this.closed = true;
    const open = [...this.claims].filter((c) => !c.finished);
    this.claims.clear();
    await Promise.all(open.map((c) => c.release().catch((e: unknown) => this.ctx.report(e))));
  }

  /** How many nodes this process holds now. */
  get held(): number {
    let n = 0;
    for (const c of this.claims) if (!c.finished) n++;
    return n;
  }
}
