// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * Distributed barriers, wire compatible with Apache Curator's DistributedBarrier and
 * DistributedDoubleBarrier. See docs/recipes/barrier.md.
 */
export { Barrier, type BarrierWaitOptions } from './barrier.js';
export { DoubleBarrier, READY_NODE } from './double-barrier.js';
export { BarrierTimeoutError } from './errors.js';
