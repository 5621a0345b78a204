/**
 * What the cache engine holds and tells: the types a cache recipe (a tree, one node, the
 * children of a path, a service list, a shared value) is a view of.
 */
import type { Stat } from '../../types.js';

/** One cached node: its path, its data (undefined when the cache keeps no data) and Stat. */
export interface CachedNode {
  readonly path: string;
  readonly data: Buffer | undefined;
  readonly stat: Stat;
}

/**
 * What the engine watches below its path. `node`: the path alone (present or absent).
 * `children`: the path and its direct children. `tree`: the subtree, down to `maxDepth`.
 */
export type CacheScope = 'node' | 'children' | 'tree';

/** How the engine hears of changes, decided from the server's answer to addWatch. */
export type CacheWatchMode =
  /** One persistent watch (ZooKeeper 3.6+): recursive for `children` and `tree`. */
  | 'persistent'
  /** One-shot watches on every node, re-set after each event: servers without addWatch. */
  | 'perNode';

/** The differences a rebuild found after a reconnect, by path. */
export interface CacheDiff {
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
}

/**
 * An event of the cache, in the order the changes were applied. `updated` comes when the
 * node's mzxid or czxid moved (a node deleted and re-created with the same version counts);
 * `stale`: the connection is gone (SUSPENDED) or the session lost, the cache may be behind;
 * `resynced`: the rebuild after a reconnect is done, with what it found changed.
 */
export type CacheEvent =
  | { readonly type: 'added'; readonly path: string; readonly node: CachedNode }
  | {
      readonly type: 'updated';
      readonly path: string;
      readonly node: CachedNode;
      readonly previous: CachedNode;
    }
  | { readonly type: 'removed'; readonly path: string; readonly previous: CachedNode }
  | { readonly type: 'initialized'; readonly size: number }
  | { readonly type: 'stale'; readonly reason: 'SUSPENDED' | 'LOST' }
  | { readonly type: 'resynced'; readonly diff: CacheDiff };

/** The engine's events, by name (`event` carries every one, in order). */
export type CacheEngineEvents = {
  event: [CacheEvent];
  /** An error the cache survived (a read the server refused, a listener that threw). */
  error: [unknown];
};

/** Options of a {@link CacheEngine}. */
export interface CacheEngineOptions {
  /** What to watch below the path (default `tree`). */
  scope?: CacheScope;
  /** `tree` only: how deep below the path to cache (0: the path alone). Default: no limit. */
  maxDepth?: number;
  /** Whether to keep each node's data (default true); without it only Stats are read. */
  keepData?: boolean;
  /** How many reads a (re)build keeps in flight at once (default 1000). */
  batchSize?: number;
  /**
   * `auto` (default): a persistent watch, one-shot watches on every node when the server
   * answers UNIMPLEMENTED to addWatch. `perNode` forces the latter.
   */
  watchMode?: 'auto' | 'perNode';
}
