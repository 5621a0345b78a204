/** The options and results of AtomicLong and AtomicInteger (atomic.ts). */
import type { RetryPolicy, Stat } from '@zk-recipes/core';

/** `{ signal, timeoutMs }` of one operation. */
export interface AtomicCallOptions {
  signal?: AbortSignal;
  /** Bound of the whole operation (reads, attempts, sleeps, the lock), in ms. */
  timeoutMs?: number;
}

/** Options of an {@link AtomicLong} or {@link AtomicInteger}. */
export interface AtomicOptions {
  /**
   * How often, and how far apart, a conditional write that lost its race is tried again.
   * Default: exponentialBackoff({ baseSleepMs: 5, maxSleepMs: 200, maxRetries: 29 }).
   */
  retryPolicy?: RetryPolicy;
  /**
   * Curator's PromotedToLock: when the optimistic attempts are spent, take an InterProcessMutex
   * at `lockPath` (Curator's layout) and try again under it with its own `retryPolicy`
   * (default: the counter's). Writers that do not promote are not excluded by it.
   */
  promoteToLock?: { lockPath: string; timeoutMs?: number; retryPolicy?: RetryPolicy };
}

/** What an update did: the value before and after it, and the node's Stat after it. */
export interface AtomicResult<T> {
  readonly preValue: T;
  readonly postValue: T;
  /** The counter node's Stat after the write (its version is that of our write). */
  readonly stat: Stat;
  /** Whether the write went through the promotion lock. */
  readonly promoted: boolean;
}
