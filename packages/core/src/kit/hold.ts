/**
 * A holder's check by the clock alone. A process paused past its session (a long GC, SIGSTOP)
 * runs its own timers first when it resumes, before its socket is read: its client has not yet
 * noticed anything, and its hold signal has not aborted. What it can know at once, without an
 * event-loop turn, is how long ago it last heard from the server.
 */
import type { ZkClient } from '../client.js';
import { ZkRecipesError } from '../errors.js';

/**
 * The client has not heard from the server for longer than the point at which its error policy
 * would count what the session holds as lost (`silentMs` > `limitMs`): the session may have
 * expired, and another holder may already hold, while this process was paused.
 */
export class HoldUnconfirmedError extends ZkRecipesError {
  override name = 'HoldUnconfirmedError';
  constructor(
    readonly silentMs: number,
    readonly limitMs: number,
    path?: string,
  ) {
    super(
      'HOLD_UNCONFIRMED',
      `nothing heard from ZooKeeper for ${Math.round(silentMs)} ms (more than ${limitMs} ms): ` +
        'the session may have expired while this process was paused',
      { path },
    );
  }
}

/**
 * The silence after which a hold is in doubt under `client`'s error policy: 2/3 of the
 * negotiated session timeout under `standard` (where the watchdog declares SUSPENDED), the
 * negotiated timeout under `session` (past it the server may have expired the session).
 * Undefined before the first session.
 */
export function holdSilenceLimitMs(client: ZkClient): number | undefined {
  const t = client.session?.negotiatedTimeoutMs;
  if (t === undefined) return undefined;
  return client.errorPolicy === 'standard' ? Math.floor((t * 2) / 3) : t;
}

/**
 * Synchronous, by the monotonic clock: the error a holder should stop with when `client` has
 * been silent past {@link holdSilenceLimitMs}, else undefined (nothing allocated). A recipe's
 * `assertHeld()` calls it before each write a holder makes.
 */
export function unconfirmedHold(client: ZkClient, path?: string): HoldUnconfirmedError | undefined {
  const limit = holdSilenceLimitMs(client);
  if (limit === undefined) return undefined;
  const silent = client.msSinceLastHeard;
  return silent > limit ? new HoldUnconfirmedError(silent, limit, path) : undefined;
}
