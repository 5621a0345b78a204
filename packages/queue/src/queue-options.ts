/**
 * The options and events of every queue of the DistributedQueue family (queue-base.ts), and the
 * options' check: bad ones are a typed error from the constructor, before anything is sent.
 */
import { InvalidArgumentError, type Serializer, type ZkClient } from '@zk-recipes/core';
import { hostname } from 'node:os';
import type { DeliveryMode } from './message.js';
import { defaultLockPath } from './names.js';
import type { DeadLetter } from './settle.js';
import { checkClient, checkPaths } from './validate.js';

/** Options of every queue of the DistributedQueue family. */
export interface QueueOptions<T> {
  /** Items to node data and back (`stringSerializer`, `jsonSerializer()`, ...). */
  serializer: Serializer<T>;
  /** `at-least-once` (default) or `at-most-once` (Curator's default mode); see DeliveryMode. */
  delivery?: DeliveryMode;
  /**
   * Where consumers' lock nodes go (Curator's `QueueBuilder.lockPath`); at least once only.
   * Default `<path>-locks`. Give Java consumers the same path. Neither the queue path nor
   * under or above it: every child of the lock path is taken for a lock node.
   */
  lockPath?: string;
  /** `put` waits (cancellable) while the queue holds this many nodes or more. Default: no limit. */
  maxItems?: number;
  /** Requeues of a failed node before it goes to `deadLetterPath` (or is dropped). Default 10. */
  retryLimit?: number;
  /**
   * A plain queue node items go to once past the retry limit, or when unreadable. Neither the
   * queue path nor the lock path.
   */
  deadLetterPath?: string;
  /** The data of lock nodes (who holds an item, for people). Default `<hostname>:<pid>`. */
  consumerId?: string;
  /**
   * How long close() waits for running handlers before giving their items back. Default 10 s.
   * ZooKeeper's part of close (acks, give-backs, watch removal) is not counted here: with
   * ZooKeeper gone close does not wait for it past the kit's release bound.
   */
  closeTimeoutMs?: number;
}

/** A queue's events. */
export type QueueEvents = {
  /** An error the queue survived (a request that failed, an ack refused, a corrupt item). */
  error: [error: unknown];
  /** Items left the queue unprocessed: dead-lettered, or dropped (no dead-letter path). */
  deadLetter: [letter: DeadLetter];
};

/** A queue's options, checked, with their defaults. */
export interface CheckedQueueOptions<T> {
  serializer: Serializer<T>;
  delivery: DeliveryMode;
  lockPath: string;
  retryLimit: number;
  deadLetterPath: string | undefined;
  /** The data of our lock nodes. */
  lockData: Buffer;
}

/**
 * Checks a queue's client, options and paths (InvalidArgumentError for a bad one) and fills in
 * the defaults.
 */
export function checkQueueOptions<T>(
  client: ZkClient,
  path: string,
  options: QueueOptions<T>,
): CheckedQueueOptions<T> {
  checkClient(client);
  const o = (options ?? {}) as Partial<QueueOptions<T>>;
  const ser = o.serializer;
  if (typeof ser?.serialize !== 'function' || typeof ser.deserialize !== 'function') {
    throw new InvalidArgumentError('serializer', 'serializer must be a Serializer');
  }
  const delivery = o.delivery ?? 'at-least-once';
  if (delivery !== 'at-least-once' && delivery !== 'at-most-once') {
    throw new InvalidArgumentError('delivery', 'delivery must be at-least-once or at-most-once');
  }
  const count = (v: unknown, field: string, min: number) => {
    if (v !== undefined && !(typeof v === 'number' && v >= min && !Number.isNaN(v))) {
      throw new InvalidArgumentError(field, `${field} must be a number >= ${min}`);
    }
  };
  count(o.maxItems, 'maxItems', 1);
  count(o.retryLimit, 'retryLimit', 0);
  count(o.closeTimeoutMs, 'closeTimeoutMs', 0);
  const lockPath = o.lockPath ?? defaultLockPath(path);
  checkPaths(path, lockPath, o.deadLetterPath);
  return {
    serializer: ser,
    delivery,
    lockPath,
    retryLimit: o.retryLimit ?? 10,
    deadLetterPath: o.deadLetterPath,
    lockData: Buffer.from(o.consumerId ?? `${hostname()}:${process.pid}`),
  };
}
