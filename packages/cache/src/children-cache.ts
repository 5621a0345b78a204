import type { ZkClient } from '@zk-recipes/core';
import type { CacheEvent, CachedNode } from '@zk-recipes/core/recipe';
import { CacheView } from './view.js';

/** Options of a {@link ChildrenCache}. */
export interface ChildrenCacheOptions {
  /** Keep each child's data (default true); false keeps Stats only. */
  keepData?: boolean;
  /** How many reads a load or rebuild keeps in flight (default 1000). */
  batchSize?: number;
}

/**
 * The direct children of a path kept in memory (Curator's PathChildrenCache, without making
 * the path a container): events for the children only, never for the path itself.
 *
 * @example
 * await using members = new ChildrenCache(client, '/groups/workers');
 * await members.start();
 * await members.ready({ timeoutMs: 10_000 });
 * console.log(members.names());
 */
export class ChildrenCache extends CacheView {
  constructor(client: ZkClient, path: string, options: ChildrenCacheOptions = {}) {
    super('ChildrenCache', client, path, { ...options, scope: 'children' });
  }

  protected override show(e: CacheEvent): CacheEvent | undefined {
    if ('path' in e) return e.path === this.path ? undefined : e;
    if (e.type === 'initialized')
      return { type: 'initialized', size: this.engine.children(this.path).length };
    if (e.type === 'resynced') {
      const other = (p: string) => p !== this.path;
      const { added, updated, removed } = e.diff;
      return {
        type: 'resynced',
        diff: {
          added: added.filter(other),
          updated: updated.filter(other),
          removed: removed.filter(other),
        },
      };
    }
    return e;
  }

  /** The child called `name`, or undefined. */
  get(name: string): CachedNode | undefined {
    this.throwIfClosed();
    return this.engine.get(this.path === '/' ? `/${name}` : `${this.path}/${name}`);
  }

  /** The children's names, sorted. */
  names(): string[] {
    this.throwIfClosed();
    return this.engine.children(this.path);
  }

  /** The children, sorted by name. */
  children(): CachedNode[] {
    return this.names().flatMap((n) => this.get(n) ?? []);
  }

  /** How many children are cached. */
  get size(): number {
    return this.engine.children(this.path).length; // a getter: answers after close too
  }
}
