// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * Caches of ZooKeeper nodes, each a view of the recipe kit's cache engine: {@link TreeCache}
 * (a subtree, Curator's CuratorCache), {@link NodeCache} (one node), {@link ChildrenCache}
 * (the children of a path), and typed config validated by a zod schema: {@link ConfigCache}
 * (one node) and {@link ConfigMap} (one key per child). docs/recipes/cache.md and
 * docs/recipes/config.md show them.
 */
/** A subtree kept in memory. */
export { TreeCache, type TreeCacheOptions } from './tree-cache.js';
/** One node, present or absent. */
export { NodeCache, type NodeCacheOptions } from './node-cache.js';
/** The direct children of a path. */
export { ChildrenCache, type ChildrenCacheOptions } from './children-cache.js';
/** What every cache shares: Lifecycle, `ready()`, `isStale()`, `events()`. */
export { CacheView, type CacheEvents } from './view.js';
/** A typed config value of one node. */
export { ConfigCache, type ConfigCacheEvents, type ConfigCacheOptions } from './config-cache.js';
/** Typed config values, one per child. */
export {
  ConfigMap,
  type ConfigMapChange,
  type ConfigMapEvents,
  type ConfigMapOptions,
} from './config-map.js';
/** What a config cache needs of a schema (zod's `safeParse`). */
export type { ConfigSchema } from './codec.js';
/** Options of a config `update()`. */
export type { ConfigUpdateOptions } from './publish.js';
/** A config value that is not valid JSON or fails its schema. */
export { ConfigInvalidError, ConfigTimeoutError, type ConfigInvalidReason } from './errors.js';
/** The cache's node and event types, and `ready()`'s timeout error (from the recipe kit). */
export {
  CacheNotReadyError,
  type CachedNode,
  type CacheDiff,
  type CacheEvent,
  type CacheWatchMode,
} from '@zk-recipes/core/recipe';
