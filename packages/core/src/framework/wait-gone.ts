/**
 * The contender's wait on the nodes ahead of it in line, over its whole time in line. Each node
 * is watched with getData (on a missing node getData leaves no watch behind, where exists would
 * leave one), and once: a node still watched when a later listing names it again is not watched
 * a second time. A deletion's notification crosses the node off; another change of a node (its
 * data set, as a revocation request does) is watched again.
 *
 * A wait ends when every node it names is gone, or, for a waiter that lists again as soon as
 * one of them goes, when the first is. The watches on the others stay: the nodes ahead of a
 * contender only ever leave, so the nearest nodes ahead after a listing include every node
 * still there of the nearest before it, and the next wait finds them watched already
 * (docs/architecture.md, "A contender"). Whatever is still watched when the contender gives up
 * is in `paths`, for it to remove; once the contender holds, every node ahead of it is gone and
 * each watch has fired.
 */
import * as ops from '../driver/ops.js';
import type { RawSession } from '../driver/raw-session.js';
import { NoNodeError, SessionExpiredError } from '../errors.js';
import { waitFor, type Deadline } from '../kit/deadline.js';
import type { WatchEvent } from '../types.js';
import type { ContenderContext } from './contender.js';
import { traced } from './observability.js';
import { retryOnSession } from './same-session.js';

/** One wait: the nodes it names, how many of them are not yet gone, and when it ends. */
interface Wait {
  readonly targets: ReadonlySet<string>;
  left: number;
  /** Ends as soon as one of the targets is gone (else once all are). */
  readonly first: boolean;
}

/** The getData watches of one contender on the nodes ahead of it, across its listings. */
export class WatchedAhead {
  /** The nodes it has a getData watch on (or one on the way): to remove if it gives up. */
  readonly paths = new Set<string>();
  /**
   * The nodes seen gone: a listing that raced a deletion's notification still names the node,
   * and a name is never used again, so it counts as gone without a request.
   */
  private readonly gone = new Set<string>();
  private current: Wait | undefined;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private over = false; // once the contender is done, a changed node is not watched again

  constructor(
    private readonly ctx: ContenderContext,
    readonly raw: RawSession,
    private readonly sessionId: bigint,
    private readonly deadline: Deadline,
  ) {}

  /**
   * Watches each of `targets` not watched yet and resolves true once they are all gone
   * (deleted while watched, or found missing), or with `first`, once one of them is;
   * undefined at the deadline. Rejects on abort, or with SessionExpiredError when the session
   * is lost. It wakes only when it is over: on a contended lock every deletion notifies the
   * waiters watching that node, and those that go on waiting should cost no more than the
   * notification's read (ADR 28).
   */
  async wait(targets: readonly string[], first: boolean): Promise<true | undefined> {
    const w: Wait = { targets: new Set(targets), left: 0, first };
    for (const p of targets) if (!this.gone.has(p)) w.left++;
    this.current = w;
    const done = () => w.left === 0 || (w.first && w.left < w.targets.size);
    try {
      const fresh = targets.filter((p) => !this.paths.has(p) && !this.gone.has(p));
      if (fresh.length > 0) {
        // In one write: on a connection with nothing in flight the first request would
        // otherwise leave alone and the rest after it (./driver/patches.ts batchWrites).
        let armed: Promise<void>[] = [];
        this.raw.together(() => (armed = fresh.map((p) => this.arm(p))));
        await Promise.all(armed);
      }
      // Checked and subscribed in one synchronous run: no event falls between the two.
      while (!this.failure && !done()) {
        const woke = await waitFor<true>(this.deadline, (settle) => {
          this.wake = () => settle(true);
          return () => (this.wake = undefined);
        });
        if (woke === undefined) return undefined;
      }
      if (this.failure) throw this.failure;
      return true;
    } finally {
      this.current = undefined;
    }
  }

  /** The contender is done (granted or given up): a notification from now on changes nothing. */
  end(): void {
    this.over = true;
    this.current = undefined;
    this.gone.clear();
  }

  private crossOff(path: string): void {
    this.paths.delete(path);
    if (!this.over) this.gone.add(path);
    const w = this.current;
    if (w?.targets.has(path) !== true) return;
    w.left--;
    if (w.left === 0 || w.first) this.wake?.();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake?.();
  }

  private onEvent(path: string, e: WatchEvent): void {
    if (this.over) {
      this.paths.delete(path);
    } else if (e.type === 'SessionLost') {
      this.fail(new SessionExpiredError('the session ended while waiting', { path }));
    } else if (e.type === 'NodeDeleted') {
      this.crossOff(path);
    } else {
      // Still there, changed: watch it again (the watch fired and is gone from the server).
      this.paths.delete(path);
      void this.arm(path);
    }
  }

  private async arm(path: string): Promise<void> {
    this.paths.add(path);
    const { ctx } = this;
    const attempt = async (r: RawSession) => {
      const armed = ctx.watches.arm(r, path, (e) => this.onEvent(path, e), 'data');
      try {
        await traced('getData', path, () => ops.getData(r, path, armed!.fn));
      } catch (e) {
        armed!.cancel();
        throw e;
      }
    };
    try {
      try {
        await attempt(this.raw);
      } catch (e) {
        // A node gone before its getData arrived (common on a contended lock) is an answer.
        if (e instanceof NoNodeError) throw e;
        const { sessionId, deadline } = this;
        await retryOnSession(ctx, sessionId, e, deadline.signal, 'getData', path, attempt);
      }
    } catch (e) {
      if (e instanceof NoNodeError)
        this.crossOff(path); // no watch was left on the server
      else this.fail(e as Error);
    }
  }
}
