/**
 * The contender's reads after a failure: its node is ephemeral, so a read is worth repeating
 * only on the session that owns the node (a new session means the node is gone).
 */
import type { RawSession } from '../driver/raw-session.js';
import { isRetryable, SessionExpiredError } from '../errors.js';
import type { ContenderContext } from './contender.js';
import { withRetry } from './retry.js';

/**
 * Repeats one of the contender's reads by the client's retry policy, after a
 * retryable error (a connection cut while it was in flight), as long as the session that owns
 * our node lives: a new session means the node is gone (SessionExpiredError). Called only once
 * the first attempt has failed, so a read that succeeds costs no promise or await more.
 */
export async function retryOnSession<T>(
  ctx: ContenderContext,
  sessionId: bigint,
  failed: unknown,
  signal: AbortSignal | undefined,
  operation: string,
  path: string,
  attempt: (raw: RawSession) => Promise<T>,
): Promise<T> {
  if (!isRetryable(failed)) throw failed;
  return withRetry(
    () => {
      const raw = ctx.raw();
      if (raw.sessionId !== sessionId)
        throw new SessionExpiredError('the contender node went with its session', { path });
      return attempt(raw);
    },
    { policy: ctx.retryPolicy, operation, path, failedOnce: failed, ...(signal ? { signal } : {}) },
  );
}
