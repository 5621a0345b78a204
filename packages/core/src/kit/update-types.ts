/** The options, result and errors of a versioned update (kit/update.ts). */
import { ZkRecipesError } from '../errors.js';
import type { RetryPolicy } from '../framework/retry.js';
import type { Stat } from '../types.js';
import type { WaitOptions } from './deadline.js';

/** A node's data and Stat, as read or as written. */
export interface Versioned {
  readonly data: Buffer;
  readonly stat: Stat;
}

export interface UpdateOptions extends WaitOptions {
  /** When the node is absent: create it (fn gets undefined) instead of rejecting with NoNodeError. */
  create?: boolean;
  /**
   * Give up after this many lost races with {@link UpdateConflictError}. Default: no limit. A
   * write made on `known` that loses is not counted (it was not a race on fresh data).
   */
  maxAttempts?: number;
  /** With `create`: create missing parents too (as containers where the server can). */
  createParents?: boolean;
  /**
   * Mark each write with a witness (an ephemeral child `zkr-witness-<uuid>` of the node, in the
   * same multi) so that a write whose reply was lost is recognised even when another writer
   * wrote the same bytes from the same version. Use it where equal writes are expected, as in
   * counters. Default false.
   */
  witness?: boolean;
  /**
   * Between lost races, sleep as this policy says, and give up with {@link UpdateConflictError}
   * when it says stop (or at `maxAttempts`, whichever comes first). Default: go round at once.
   */
  retryPolicy?: RetryPolicy;
  /**
   * The node as the caller last saw it (e.g. what its previous update returned): the first
   * attempt computes and writes on it without reading first. A stale one costs one lost race
   * (the write is conditional on its version); when `fn` asks for no write on it, the node is
   * read afresh and `fn` asked again, so a decision not to write is never made on old data.
   * The caller must know the node was not deleted and re-created since (a version alone cannot
   * tell), e.g. because its witness has been a child of it all along.
   */
  known?: Versioned | undefined;
  /**
   * Send a read of the node right behind each conditional write, on the same session (the
   * server answers it only after the write): a lost race goes round with what it read instead
   * of another round trip to the server. One more read per write; it pays under contention.
   */
  readBack?: boolean;
}

/** Every attempt of an update lost its race to another writer. */
export class UpdateConflictError extends ZkRecipesError {
  override name = 'UpdateConflictError';
  constructor(
    path: string,
    readonly attempts: number,
  ) {
    super('UPDATE_CONFLICT', `${attempts} attempts to update ${path} each lost to another writer`, {
      path,
    });
  }
}

/**
 * A connection was lost while the conditional write was in flight, and others have written
 * since: the write may or may not have been applied. `cause` is the connection error.
 */
export class UpdateOutcomeUnknownError extends ZkRecipesError {
  override name = 'UpdateOutcomeUnknownError';
  constructor(path: string, cause: unknown) {
    super('UPDATE_OUTCOME_UNKNOWN', `the update of ${path} may or may not have been applied`, {
      path,
      cause,
    });
  }
}
