/**
 * Handing items out: one channel per queue object, shared by `take`, `messages()` and every
 * worker of `consume()`. The items of one node go out one at a time, in order, so that "the
 * unprocessed rest of a batch" is always a suffix.
 */
import { Deadline, sleep } from '@zk-recipes/core/recipe';
import type { Claim } from './claim.js';
import type { ClaimContext } from './settle.js';
import { takeNode, type Taken } from './take.js';
import type { QueueListing } from './listing.js';
import type { Message } from './message.js';

/** Pause after an error that is not the item's (a request failed while taking it). */
const ERROR_PAUSE_MS = 100;

export class Channel<T> {
  private readonly claims = new Set<Claim<T>>();

  constructor(
    private readonly ctx: ClaimContext<T>,
    private readonly listing: QueueListing,
  ) {}

  /** The next message, or undefined at the deadline; rejects with the signal's reason. */
  async next(deadline: Deadline): Promise<Message<T> | undefined> {
    for (;;) {
      deadline.throwIfAborted();
      for (const c of this.claims) {
        if (c.finished) this.claims.delete(c);
        else if (c.ready) return c.message();
      }
      const { name, dueAt } = await this.listing.pick(Date.now);
      if (name === undefined) {
        if (deadline.expired) return undefined;
        await this.listing.changed(deadline, dueAt);
        if (deadline.expired) return undefined;
        continue;
      }
      let taken: Taken<T>;
      try {
        taken = await takeNode(this.ctx, this.listing, name);
      } catch (e) {
        this.listing.released(name);
        this.ctx.report(e);
        await sleep(Math.min(ERROR_PAUSE_MS, deadline.remainingMs()), deadline.signal);
        continue;
      }
      if ('skip' in taken) {
        if (taken.skip === 'locked') this.listing.lockedElsewhere(name);
        else this.listing.finished(name);
        if (taken.skip !== 'corrupt') this.listing.collided();
        continue;
      }
      this.listing.tookAlone();
      const { claim } = taken;
      this.claims.add(claim);
      if (claim.ready) return claim.message();
      await claim.discardEmpty().catch((e: unknown) => this.ctx.report(e));
    }
  }

  /** Gives back the node of `message` (unsettled when a loop left it). */
  async releaseOf(message: Message<T>): Promise<void> {
    for (const c of this.claims) {
      if (c.name === message.name && !c.finished) await c.release();
    }
  }

  /** Gives back every node taken and not finished (close). */
  async releaseAll(): Promise<void> {
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
