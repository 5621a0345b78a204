/** The options operations take, and what addWatch returns. */
import type { RetryPolicy } from './framework/retry.js';
import type { PersistentWatchMode } from './persistent-watches.js';
import type { RequestOptions } from './types.js';

/** A persistent watch; `remove()` ends it (idempotent). */
export interface PersistentWatch {
  readonly path: string;
  readonly mode: PersistentWatchMode;
  /** Removes the watch from the server; idempotent. */
  remove(): Promise<void>;
  /** `await using`: calls `remove()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of calls that may wait: an AbortSignal and a deadline per request. */
export interface CallOptions extends RequestOptions {
  signal?: AbortSignal;
  /**
   * This call's retry policy instead of the client's: `noRetry` where the caller must know of
   * a connection loss itself (a conditional write whose outcome it will check).
   */
  retryPolicy?: RetryPolicy;
}

export interface DeleteOptions extends CallOptions {
  /** -1 (default) matches any version; 0 is a real version. */
  version?: number;
  /** Keep trying in the background until the node is gone when a connection loss leaves it unknown. */
  guaranteed?: boolean;
  /** Delete the node's subtree first. */
  deleteChildren?: boolean;
}
