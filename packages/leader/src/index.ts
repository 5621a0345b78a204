// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
export {
  LeaderLatch,
  LATCH_NAME,
  type CloseMode,
  type Leadership,
  type LeaderLatchEvents,
  type LeaderLatchOptions,
} from './latch.js';
export {
  LeaderSelector,
  SELECTOR_LOCK_NAME,
  type LeaderSelectorEvents,
  type LeaderSelectorOptions,
} from './selector.js';
export { runWhileLeader, type LeaderTask, type RunWhileLeaderOptions } from './run-while-leader.js';
export { getLeader, observeLeader, type ObserveLeaderOptions } from './observe.js';
export { LeadershipLostError, type LeadershipEnd } from './errors.js';
export type { ElectionParticipant } from './participants.js';
