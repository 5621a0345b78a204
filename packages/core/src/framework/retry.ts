/**
 * Retry policies as plain, frozen values (validated when built), and the one loop that applies
 * them. Only what is safe to repeat is retried: connection loss, operation timeout, session
 * moved (isRetryable). Whether an operation may be repeated at all is the caller's call: a
 * sequential create is not, unless it is protected (docs/failure-modes.md, 1: lost create
 * reply).
 */
import { lazy, zod } from '../lazy-zod.js';
import { isRetryable, ZkRecipesError } from '../errors.js';
import { parseOptions } from '../validate.js';
import { sleep, untilAborted } from '../kit/abort.js';
import { publish } from './observability.js';

/** How an operation is retried; made by {@link exponentialBackoff}, {@link retryNTimes}, {@link retryUntilElapsed}, {@link retryForever} or {@link noRetry}. */
export type RetryPolicy =
  | Readonly<{
      kind: 'exponentialBackoff';
      baseSleepMs: number;
      maxSleepMs: number;
      maxRetries: number;
    }>
  | Readonly<{ kind: 'nTimes'; n: number; sleepMs: number }>
  | Readonly<{ kind: 'untilElapsed'; maxElapsedMs: number; sleepMs: number }>
  | Readonly<{ kind: 'forever'; sleepMs: number }>
  | Readonly<{ kind: 'never' }>;

const ms = lazy((z) => z.number().int().min(0).max(3_600_000));

/**
 * Sleeps base * 2^attempt with full jitter (a random share of it), never more than maxSleepMs,
 * for at most maxRetries retries. Curator's ExponentialBackoffRetry, bounded.
 */
export function exponentialBackoff(
  o: { baseSleepMs?: number; maxSleepMs?: number; maxRetries?: number } = {},
): RetryPolicy {
  const z = zod();
  const v = parseOptions(
    z
      .object({
        baseSleepMs: ms().default(100),
        maxSleepMs: ms().default(10_000),
        maxRetries: z.number().int().min(0).max(1000).default(5),
      })
      .strict(),
    o,
    'exponentialBackoff',
  );
  return Object.freeze({ kind: 'exponentialBackoff', ...v });
}

/** At most `n` retries, `sleepMs` apart (Curator's RetryNTimes). */
export function retryNTimes(n: number, sleepMs = 100): RetryPolicy {
  const z = zod();
  const v = parseOptions(
    z.object({ n: z.number().int().min(0).max(1_000_000), sleepMs: ms() }),
    { n, sleepMs },
    'retryNTimes',
  );
  return Object.freeze({ kind: 'nTimes', ...v });
}

/** One retry after `sleepMs` (Curator's RetryOneTime). */
export function retryOnce(sleepMs = 100): RetryPolicy {
  return retryNTimes(1, sleepMs);
}

/** Retries `sleepMs` apart until `maxElapsedMs` have passed since the first attempt (Curator's RetryUntilElapsed). */
export function retryUntilElapsed(maxElapsedMs: number, sleepMs = 100): RetryPolicy {
  const v = parseOptions(
    zod().object({ maxElapsedMs: ms(), sleepMs: ms() }),
    { maxElapsedMs, sleepMs },
    'retryUntilElapsed',
  );
  return Object.freeze({ kind: 'untilElapsed', ...v });
}

/** Retries `sleepMs` apart until the call succeeds, fails otherwise, or its signal aborts (Curator's RetryForever). */
export function retryForever(sleepMs = 1000): RetryPolicy {
  const v = parseOptions(zod().object({ sleepMs: ms() }), { sleepMs }, 'retryForever');
  return Object.freeze({ kind: 'forever', ...v });
}

/** No retries. */
export const noRetry: RetryPolicy = Object.freeze({ kind: 'never' });

/** How long to sleep before retry number `retry` (0-based), or undefined to give up. */
export function nextSleep(
  policy: RetryPolicy,
  retry: number,
  elapsedMs: number,
): number | undefined {
  switch (policy.kind) {
    case 'exponentialBackoff': {
      if (retry >= policy.maxRetries) return undefined;
      const ceiling = Math.min(policy.maxSleepMs, policy.baseSleepMs * 2 ** Math.min(retry, 30));
      return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    }
    case 'nTimes':
      return retry < policy.n ? policy.sleepMs : undefined;
    case 'untilElapsed':
      return elapsedMs + policy.sleepMs <= policy.maxElapsedMs ? policy.sleepMs : undefined;
    case 'forever':
      return policy.sleepMs;
    case 'never':
      return undefined;
  }
}

/** The retry policy gave up; `cause` is the last error, `attempts` how many were made. */
export class RetriesExhaustedError extends ZkRecipesError {
  override name = 'RetriesExhaustedError';
  constructor(
    readonly attempts: number,
    cause: unknown,
    path?: string,
  ) {
    super(
      'RETRIES_EXHAUSTED',
      `gave up after ${attempts} attempts: ${String((cause as Error)?.message ?? cause)}`,
      { cause, path },
    );
  }
}

export interface RetryOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** For messages and the retry channel. */
  operation: string;
  path?: string;
  /** Called before each retry with the error that caused it (e.g. to look for a protected node). */
  beforeRetry?: (error: unknown) => Promise<void> | void;
  /**
   * The error of a first attempt the caller already made (outside the loop, to keep the common
   * case cheap): the loop goes on exactly as if it had made that attempt itself.
   */
  failedOnce?: unknown;
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs (rethrown as is), or the
 * policy gives up ({@link RetriesExhaustedError} with the last error as cause; with no retry
 * allowed at all, the error itself is rethrown).
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  o: RetryOptions,
): Promise<T> {
  const began = Date.now();
  let last: unknown = o.failedOnce;
  for (let n = o.failedOnce === undefined ? 0 : 1; ; n++) {
    if (n > 0) {
      const wait = nextSleep(o.policy, n - 1, Date.now() - began);
      if (wait === undefined) {
        if (n === 1) throw last;
        throw new RetriesExhaustedError(n, last, o.path);
      }
      publish('retry', {
        operation: o.operation,
        path: o.path,
        attempt: n,
        sleepMs: wait,
        error: last,
      });
      await sleep(wait, o.signal);
      await o.beforeRetry?.(last);
    }
    o.signal?.throwIfAborted();
    try {
      // The signal ends the call at once, not when the request's deadline or the session's
      // end settles it (a stopped server kept an aborted getData waiting for the session
      // timeout).
      return await untilAborted(attempt(n), o.signal);
    } catch (e) {
      if (!isRetryable(e)) throw withCallerStack(e);
      last = e;
    }
  }
}

/**
 * A reply's error is made without a stack where the reply is read (its frames would be the
 * socket's, and capturing them cost the lock's hand-offs: driver/raw-session.ts toError). When
 * one goes to the caller, the caller's frames are what its reader wants (the CLI's --verbose, a
 * service's logs): captured here, in the caller's continuation.
 */
function withCallerStack(e: unknown): unknown {
  if (e instanceof Error && !/\n\s+at /.test(e.stack ?? ''))
    Error.captureStackTrace(e, withCallerStack);
  return e;
}
