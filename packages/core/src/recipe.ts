// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * The recipe kit: what a recipe package is made of, published as `@zk-recipes/core/recipe`
 * (the main entry point holds the user API). Each mechanism exists once, here: waits and
 * deadlines, the contender and the order of a line, protected names, the lifecycle of
 * long-lived recipes, serializers, versioned read-modify-write, and waiting on children.
 * docs/recipes/writing-a-recipe.md builds a recipe from it.
 */
export { abortReason, joinSignals, sleep, untilAborted } from './kit/abort.js';
export { Deadline, DeadlineExpiredError, waitFor, type WaitOptions } from './kit/deadline.js';
export { waitForChildren } from './kit/children.js';
export { waitForNode } from './kit/node-wait.js';
export { onClientState, whileConnected } from './kit/connectivity.js';
export { RELEASE_BOUND_MS } from './framework/release.js';
export { nextSleep } from './framework/retry.js';
export { isWitnessName, update } from './kit/update.js';
export {
  UpdateConflictError,
  UpdateOutcomeUnknownError,
  type UpdateOptions,
  type Versioned,
} from './kit/update-types.js';
export { WITNESS_IDLE_MS } from './kit/witness.js';
export { conditionalSetData, nextVersion, setDataAtVersion } from './kit/version.js';
export { findLostCreate, type LostCreateOptions, type LostNode } from './kit/lost-create.js';
// The serializers themselves are user API (a recipe's options take one): the main entry point.
export { SerializationError, type Serializer } from './kit/serializer.js';
export { heldNode } from './kit/held-node.js';
export { isPreviousSession, requestSessionId } from './client-session.js';
export { KeptNode } from './kit/kept-node.js';
export {
  NodeConflictError,
  type KeptNodeEvents,
  type KeptNodeOptions,
} from './kit/kept-node-types.js';
export { localAddress } from './kit/local-address.js';
export { holdSilenceLimitMs, unconfirmedHold } from './kit/hold.js';
export { childPath } from './paths.js';
export { isProtectedName, PROTECTED_PREFIX, protectedName } from './framework/protection.js';
export { Lifecycle, type LifecycleState } from './framework/lifecycle.js';
export {
  DEFAULT_WATCH_AHEAD,
  leaseDriver,
  type ContendOptions,
  type ContenderDriver,
  type ContenderVerdict,
  type HeldNode,
} from './framework/contender.js';
export { listContenders, type ContenderNode } from './framework/list-contenders.js';
export { stacklessError } from './errors.js';
export { CacheEngine } from './kit/cache/engine.js';
export { CacheNotReadyError } from './kit/cache/options.js';
export { eventStream } from './kit/event-stream.js';
export type {
  CachedNode,
  CacheDiff,
  CacheEngineEvents,
  CacheEngineOptions,
  CacheEvent,
  CacheScope,
  CacheWatchMode,
} from './kit/cache/types.js';
