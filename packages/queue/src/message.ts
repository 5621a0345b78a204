/** What consumers get: one item, and how to settle it. */

/**
 * How a queue hands out items.
 * - `at-least-once` (default): an item is deleted only after its handler finished, by one
 *   transaction that also proves this consumer still holds it. No item is lost; an item whose
 *   consumer died or lost its session while processing is delivered again.
 * - `at-most-once`: Curator's default mode: an item is deleted, then handed out. No item is
 *   delivered twice; an item whose consumer dies while processing is lost.
 */
export type DeliveryMode = 'at-least-once' | 'at-most-once';

/** One item of a queue, handed to a consumer. Settle it once: `ack()` or `requeue()`. */
export interface Message<T> {
  /** The item. */
  readonly value: T;
  /** The name of the queue node it came from (`queue-0000000042`). */
  readonly name: string;
  /** Its place in the node's batch (0 unless the node was written by `putMany`). */
  readonly index: number;
  /** 1 on the first delivery, more after failed ones (requeues counted in the node). */
  readonly deliveries: number;
  readonly mode: DeliveryMode;
  /** Whether `ack()` or `requeue()` was called. */
  readonly settled: boolean;
  /**
   * Done with the item. At least once: the last item of a node deletes the node and its lock
   * node in one transaction; rejects with ClaimLostError when the lock node is no longer this
   * session's (the item will be delivered again). At most once: nothing to do.
   */
  ack(): Promise<void>;
  /**
   * The item failed: it and the rest of its batch go to the tail of the queue (a new node), or
   * to the dead-letter path once the retry limit is reached. At most once: to the dead-letter
   * path, or dropped and reported.
   */
  requeue(reason?: unknown): Promise<void>;
}
