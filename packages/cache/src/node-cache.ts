import type { ZkClient } from '@zk-recipes/core';
import type { CachedNode } from '@zk-recipes/core/recipe';
import { CacheView } from './view.js';

/** Options of a {@link NodeCache}. */
export interface NodeCacheOptions {
  /** Keep the node's data (default true); false keeps its Stat only. */
  keepData?: boolean;
}

/**
 * One node, present or absent, kept in memory (Curator's NodeCache, without its creation of
 * the parents): `added` when it appears, `updated` when its data changes or it was re-created,
 * `removed` when it goes. One persistent watch on the node.
 *
 * @example
 * await using flag = new NodeCache(client, '/flags/maintenance');
 * await flag.start();
 * await flag.ready({ timeoutMs: 10_000 });
 * const on = flag.current?.data?.toString() === 'on';
 */
export class NodeCache extends CacheView {
  constructor(client: ZkClient, path: string, options: NodeCacheOptions = {}) {
    super('NodeCache', client, path, { ...options, scope: 'node' });
  }

  /** The node, or undefined while it does not exist. */
  get current(): CachedNode | undefined {
    return this.engine.get(this.path);
  }
}
