// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * Distributed atomic counters and shared values, wire compatible with Apache Curator's
 * DistributedAtomicLong, DistributedAtomicInteger, SharedCount and SharedValue. See
 * docs/recipes/atomic.md.
 */
export { AtomicLong, AtomicInteger } from './atomic.js';
export type { AtomicCallOptions, AtomicOptions, AtomicResult } from './atomic-types.js';
export { SharedCount, SharedValue, type Versioned } from './shared-value.js';
export { AtomicTimeoutError, AtomicUpdateError, AtomicValueFormatError } from './errors.js';
export { COUNTER_BYTES } from './codec.js';
