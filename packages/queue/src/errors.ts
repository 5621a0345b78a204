import { ZkRecipesError } from '@zk-recipes/core';

/**
 * A queue node whose data is not Curator's item-batch frame, or an item the serializer cannot
 * read. `data` is the node's data as it was. The consumer moves the node to the dead-letter path
 * (or deletes it, when there is none) and reports this error: a bad item never blocks a queue.
 */
export class CorruptItemError extends ZkRecipesError {
  override name = 'CorruptItemError';
  constructor(
    path: string,
    readonly reason: string,
    readonly data: Buffer,
    cause?: unknown,
  ) {
    super('CORRUPT_ITEM', `the queue item ${path} is not readable: ${reason}`, { path, cause });
  }
}

/** A queue call that takes `{ signal, timeoutMs }`. */
export type QueueOperation =
  'take' | 'put' | 'depth' | 'inFlight' | 'oldestItemAgeMs' | 'remove' | 'offer' | 'poll' | 'peek';

/**
 * A queue call ran out of time: `take` found no item, `put` found the queue still full
 * (`maxItems`) or could not reach ZooKeeper, or another call (`depth`, ...) had no answer,
 * within `timeoutMs`. A request of the call not yet written when the time was up is taken
 * back; one already written may still apply (a put's item may then be in the queue).
 */
export class QueueTimeoutError extends ZkRecipesError {
  override name = 'QueueTimeoutError';
  constructor(
    readonly operation: QueueOperation,
    path: string,
    readonly timeoutMs: number,
  ) {
    super(
      'QUEUE_TIMEOUT',
      operation === 'take'
        ? `no item in ${path} within ${timeoutMs} ms`
        : `${operation} of the queue ${path} did not complete within ${timeoutMs} ms`,
      { path },
    );
  }
}

/**
 * An acknowledgement was refused: the lock node of the item is no longer this session's (the
 * session expired, or the node was removed), so another consumer may have the item now. Nothing
 * was deleted; the item is delivered again (at least once).
 */
export class ClaimLostError extends ZkRecipesError {
  override name = 'ClaimLostError';
  constructor(path: string, reason: string, cause?: unknown) {
    super('CLAIM_LOST', `the claim on ${path} is lost: ${reason}`, { path, cause });
  }
}

/**
 * The queue node (or the lock path) disappeared while the queue ran: something deleted it, or it
 * was made a container and the server reaped it. The queue makes it again, as a persistent node,
 * and reports this: Java consumers do not recover from it.
 */
export class QueueNodeVanishedError extends ZkRecipesError {
  override name = 'QueueNodeVanishedError';
  constructor(path: string) {
    super('QUEUE_NODE_VANISHED', `the queue node ${path} vanished and was made again`, { path });
  }
}
