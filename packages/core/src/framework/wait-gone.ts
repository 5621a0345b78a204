/**
 * The contender's wait: until every one of a few nodes ahead of it in line is gone. Each is
 * watched with getData (on a missing node getData leaves no watch behind, where exists would
 * leave one), all in the same tick, so the requests leave in one write. A deletion's
 * notification crosses the node off; another change of a node (its data set, as a revocation
 * request does) is watched again. Watching several nodes lets a waiter that saw every node ahead
 * of it know it is first in line without listing again when the last of them goes: new
 * contenders only ever sort after it (docs/architecture.md, "A contender").
 */
import * as ops from '../driver/ops.js';
import type { RawSession } from '../driver/raw-session.js';
import { NoNodeError, SessionExpiredError } from '../errors.js';
import { waitFor, type Deadline } from '../kit/deadline.js';
import type { WatchEvent } from '../types.js';
import type { ContenderContext } from './contender.js';
import { traced } from './observability.js';
import { retryOnSession } from './same-session.js';

/** The nodes a wait still has a getData watch on, per session: to remove them when it ends early. */
export interface Watching {
  readonly raw: RawSession;
  readonly paths: Set<string>;
}

/**
 * Watches each of `targets` and resolves true once all are gone (deleted while watched, or
 * found missing), undefined at the deadline (with `watching.paths` still armed on the server).
 * Rejects on abort, or with SessionExpiredError when the session is lost.
 */
export async function waitForGone(
  ctx: ContenderContext,
  raw: RawSession,
  sessionId: bigint,
  targets: readonly string[],
  deadline: Deadline,
  watching: Watching,
): Promise<true | undefined> {
  let left = targets.length;
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let over = false; // once the wait is over, a changed node is not watched again
  // The waiting loop wakes only when the wait is over: with several nodes watched, each
  // deletion but the last crosses one off without settling and re-arming the wait (on a
  // contended lock every deletion notifies up to watchAhead waiters, and all but one go back
  // to sleep: their wake-up is client CPU per hand-off, bench/RESULTS.md, issue 20).
  const crossOff = (path: string) => {
    watching.paths.delete(path);
    if (--left === 0) wake?.();
  };
  const fail = (e: Error) => {
    failure ??= e;
    wake?.();
  };
  const onEvent = (path: string, e: WatchEvent) => {
    if (e.type === 'SessionLost') {
      fail(new SessionExpiredError('the session ended while waiting', { path }));
    } else if (e.type === 'NodeDeleted') {
      crossOff(path);
    } else {
      // Still there, changed: watch it again (the watch fired and is gone from the server).
      watching.paths.delete(path);
      if (!over) void arm(path);
    }
  };
  const arm = async (path: string): Promise<void> => {
    watching.paths.add(path);
    const attempt = async (r: RawSession) => {
      const armed = ctx.watches.arm(r, path, (e) => onEvent(path, e), 'data');
      try {
        await traced('getData', path, () => ops.getData(r, path, armed!.fn));
      } catch (e) {
        armed!.cancel();
        throw e;
      }
    };
    try {
      try {
        await attempt(raw);
      } catch (e) {
        // A node gone before its getData arrived (common on a contended lock) is an answer.
        if (e instanceof NoNodeError) throw e;
        await retryOnSession(ctx, sessionId, e, deadline.signal, 'getData', path, attempt);
      }
    } catch (e) {
      if (e instanceof NoNodeError)
        crossOff(path); // no watch was left on the server
      else fail(e as Error);
    }
  };
  try {
    // In one write: on a connection with nothing in flight the first request would otherwise
    // leave alone and the rest after it (./driver/patches.ts batchWrites).
    let armed: Promise<void>[] = [];
    raw.together(() => (armed = targets.map(arm)));
    await Promise.all(armed);
    // Checked and subscribed in one synchronous run: no event falls between the two.
    while (!failure && left > 0) {
      const woke = await waitFor<true>(deadline, (settle) => {
        wake = () => settle(true);
        return () => (wake = undefined);
      });
      if (woke === undefined) return undefined;
    }
    if (failure) throw failure;
    return true;
  } finally {
    over = true;
  }
}
