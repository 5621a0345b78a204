// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * Distributed queues on ZooKeeper in Apache Curator's format: {@link DistributedQueue},
 * {@link PriorityQueue}, {@link DelayQueue}, {@link IdQueue} (Curator's QueueBuilder family)
 * and {@link SimpleQueue} (SimpleDistributedQueue), with at-least-once or at-most-once consumers.
 */
export { DistributedQueue, PriorityQueue, DelayQueue, IdQueue } from './queues.js';
export { QueueBase } from './queue-base.js';
export type { QueueOptions, QueueEvents } from './queue-options.js';
export { SimpleQueue } from './simple-queue.js';
export type { DeliveryMode, Message } from './message.js';
export type { Handler, ConsumeOptions } from './loops.js';
export type { DeadLetter } from './settle.js';
export type { InFlightItem } from './inspect.js';
export {
  ClaimLostError,
  CorruptItemError,
  QueueNodeVanishedError,
  QueueTimeoutError,
} from './errors.js';
export { encodeFrame, decodeFrame, type Frame } from './frame.js';
// The layout facts tools read (the zk-recipes CLI): a change here breaks their build.
export { ITEM_PREFIX, defaultLockPath } from './names.js';
