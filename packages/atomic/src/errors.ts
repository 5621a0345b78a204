import { ZkRecipesError } from '@zk-recipes/core';

/**
 * An atomic update gave up: every optimistic attempt the retry policy allowed lost its race to
 * another writer (and, with `promoteToLock`, so did every attempt under the lock, or the lock
 * was not had in time). Nothing was written. Curator returns `succeeded() == false` here; a
 * caller who forgets to look counts an increment that never happened.
 */
export class AtomicUpdateError extends ZkRecipesError {
  override name = 'AtomicUpdateError';
  constructor(
    path: string,
    /** How many conditional writes were tried. */
    readonly attempts: number,
    /** Whether the update went on under the promotion lock. */
    readonly promoted: boolean,
    cause?: unknown,
  ) {
    super(
      'ATOMIC_UPDATE_FAILED',
      `the atomic update of ${path} gave up after ${attempts} lost races${promoted ? ' (promoted to the lock)' : ''}`,
      { path, cause },
    );
  }
}

/** The counter node holds bytes that are not a value of this counter's width. */
export class AtomicValueFormatError extends ZkRecipesError {
  override name = 'AtomicValueFormatError';
  constructor(
    path: string,
    /** The node's data length: 8 for an AtomicLong, 4 for an AtomicInteger (or 0 for zero). */
    readonly length: number,
  ) {
    super('ATOMIC_BAD_VALUE', `${path} holds ${length} bytes, not a counter of this width`, {
      path,
    });
  }
}

/**
 * An atomic call ran out of its `timeoutMs` (ZooKeeper unreachable, or the lost races and the
 * promotion lock took longer). A write not yet sent when the time was up is taken back; one
 * already sent may still have been applied (as with any write whose reply never came).
 */
export class AtomicTimeoutError extends ZkRecipesError {
  override name = 'AtomicTimeoutError';
  constructor(
    /** The call: `get`, `increment`, `set`, ... */
    readonly operation: string,
    path: string,
    readonly timeoutMs: number,
  ) {
    super('ATOMIC_TIMEOUT', `${operation} of ${path} did not complete within ${timeoutMs} ms`, {
      path,
    });
  }
}
