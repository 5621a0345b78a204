// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * Distributed atomic counters, wire compatible with Apache Curator's DistributedAtomicLong and
 * DistributedAtomicInteger. See docs/recipes/atomic.md.
 */
export {
  AtomicLong,
  AtomicInteger,
  type AtomicCallOptions,
  type AtomicOptions,
  type AtomicResult,
} from './atomic.js';
export { AtomicUpdateError, AtomicValueFormatError } from './errors.js';
