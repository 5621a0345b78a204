/** A leadership's signal and the listeners that end it. */
import type { HeldNode, ZkClient } from '@zk-recipes/core';
import { abortReason, stacklessError, unconfirmedHold } from '@zk-recipes/core/recipe';
import { LeadershipLostError, type LeadershipEnd } from './errors.js';
import type { Leadership } from './turn-types.js';

type Why = LeadershipEnd | (() => LeadershipEnd);

/**
 * A leadership's signal: aborts with a LeadershipLostError naming the first source to abort (or
 * `end(why)`), so a leader can tell a lost connection from an interrupt. `ended` resolves with
 * the reason once it has, so the recipe waits on the same listeners.
 *
 * It can be made before it is needed: a latch makes the next one while it waits in line, since
 * making an AbortSignal (Node 20 makes it on the controller's first `.signal`) and adding a
 * listener on the grant path put both on the failover's critical path (bench/RESULTS.md,
 * "Figures moved out of source comments").
 */
export class LeadershipEnds {
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  readonly ended: Promise<LeadershipEnd>;
  private endedWhy: LeadershipEnd | undefined;
  private settle!: (why: LeadershipEnd) => void;
  private readonly handlers: (readonly [AbortSignal, () => void])[] = [];

  constructor(private readonly path: string) {
    this.ended = new Promise((r) => (this.settle = r));
  }

  /** Why it ended, once it has: `ended`'s value without waiting for it. */
  get why(): LeadershipEnd | undefined {
    return this.endedWhy;
  }

  /** Ends the leadership when `source` aborts (at once if it has); `why` may be asked then. */
  watch(source: AbortSignal, why: Why): void {
    if (this.signal.aborted) return;
    const h = () => this.end(typeof why === 'function' ? why() : why);
    if (source.aborted) {
      h();
      return;
    }
    this.handlers.push([source, h]);
    source.addEventListener('abort', h, { once: true });
  }

  /** Ends it with `why` (and what caused it), unless it has ended. */
  readonly end = (why: LeadershipEnd, cause?: unknown): void => {
    if (this.signal.aborted) return;
    for (const [s, h] of this.handlers) s.removeEventListener('abort', h);
    this.handlers.length = 0;
    this.endedWhy = why;
    this.controller.abort(stacklessError(() => new LeadershipLostError(why, this.path, cause)));
    this.settle(why);
  };

  /** The leadership this signal ends, on `held`: what isLeader and awaitLeadership() give. */
  leadership(client: ZkClient, held: HeldNode): Leadership {
    const { signal, end } = this;
    return {
      epoch: held.fencingToken,
      signal,
      nodePath: held.nodePath,
      assertHeld() {
        if (signal.aborted) throw abortReason(signal);
        const doubt = unconfirmedHold(client, held.nodePath);
        if (doubt) {
          // As a SUSPENDED would: the latch leads again on its node if its session lives.
          end('connection', doubt);
          throw abortReason(signal);
        }
      },
    };
  }
}
