import type { ZkClient } from '@zk-recipes/core';
import type { CachedNode } from '@zk-recipes/core/recipe';
import { CacheView } from './view.js';

/** Options of a {@link TreeCache}. */
export interface TreeCacheOptions {
  /** How deep below the path to cache (0: the path alone). Default: the whole subtree. */
  maxDepth?: number;
  /** Keep each node's data (default true); false keeps Stats only. */
  keepData?: boolean;
  /** How many reads a load or rebuild keeps in flight (default 1000). */
  batchSize?: number;
}

/**
 * A subtree kept in memory (Curator's CuratorCache): one persistent recursive watch, set before
 * the initial load; `added`, `updated` (the node's mzxid or czxid moved), `removed` events for
 * the path and every node below it, `initialized` once, `stale` and `resynced` around a
 * reconnect. Never creates the path.
 *
 * @example
 * await using cache = new TreeCache(client, '/apps/billing');
 * await cache.start();
 * await cache.ready({ timeoutMs: 10_000 });
 * console.log(cache.children('/apps/billing'), cache.get('/apps/billing/limits')?.data?.toString());
 */
export class TreeCache extends CacheView {
  constructor(client: ZkClient, path: string, options: TreeCacheOptions = {}) {
    super('TreeCache', client, path, { ...options, scope: 'tree' });
  }

  /** The cached node at `path` (the cache's path or below), or undefined. */
  get(path: string): CachedNode | undefined {
    this.throwIfClosed();
    return this.engine.get(path);
  }

  /** The names of the cached children of `path`, sorted. */
  children(path: string): string[] {
    this.throwIfClosed();
    return this.engine.children(path);
  }

  /** How many nodes are cached, the cache's path included when it exists. */
  get size(): number {
    return this.engine.size;
  }

  /** Every cached node, in no particular order. */
  nodes(): IterableIterator<CachedNode> {
    this.throwIfClosed();
    return this.engine.nodes();
  }
}
