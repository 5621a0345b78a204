/**
 * The engine's nodes and its index of children, with the one rule every change goes through:
 * a node changed when its czxid or mzxid moved, never judged by `version` alone (a node
 * deleted and re-created with the same version and new data is a change: Curator compares
 * versions and misses it, docs/recipes/cache.md).
 */
import { childPath } from '../../paths.js';
import type { Stat } from '../../types.js';
import type { CachedNode } from './types.js';

/** The parent of a path the engine already holds (valid: no check on this hot path). */
export function parentOf(path: string): string | undefined {
  if (path === '/') return undefined;
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.slice(0, i);
}

export type Change =
  | { type: 'added'; path: string; node: CachedNode }
  | { type: 'updated'; path: string; node: CachedNode; previous: CachedNode }
  | { type: 'removed'; path: string; previous: CachedNode };

export class CacheStore {
  readonly nodes = new Map<string, CachedNode>();
  /** Names of the cached children of each path (the parent need not be cached). */
  private readonly index = new Map<string, Set<string>>();

  get(path: string): CachedNode | undefined {
    return this.nodes.get(path);
  }

  children(path: string): string[] {
    return [...(this.index.get(path) ?? [])].sort();
  }

  /** Stores what a read found; the change, or undefined when nothing moved. */
  put(path: string, data: Buffer | undefined, stat: Stat): Change | undefined {
    const previous = this.nodes.get(path);
    // An older answer than what is held (it cannot happen on one connection's FIFO order, but
    // a rebuild and a live read may both read one node): keep the newer.
    if (previous && previous.stat.czxid === stat.czxid && previous.stat.mzxid > stat.mzxid)
      return undefined;
    const node: CachedNode = { path, data, stat };
    this.nodes.set(path, node);
    if (!previous) {
      this.link(path);
      return { type: 'added', path, node };
    }
    if (previous.stat.czxid !== stat.czxid || previous.stat.mzxid !== stat.mzxid)
      return { type: 'updated', path, node, previous };
    return undefined; // same node, same data: only the children fields may have moved
  }

  /** Removes `path` and every cached node below it, deepest first. */
  removeTree(path: string): Change[] {
    const out: Change[] = [];
    const walk = (p: string) => {
      for (const name of this.index.get(p) ?? []) walk(childPath(p, name));
      const previous = this.nodes.get(p);
      if (previous) {
        this.nodes.delete(p);
        this.unlink(p);
        out.push({ type: 'removed', path: p, previous });
      }
      this.index.delete(p);
    };
    walk(path);
    return out;
  }

  clear(): void {
    this.nodes.clear();
    this.index.clear();
  }

  private link(path: string): void {
    const parent = parentOf(path);
    if (parent === undefined) return;
    let set = this.index.get(parent);
    if (!set) this.index.set(parent, (set = new Set()));
    set.add(path.slice(path.lastIndexOf('/') + 1));
  }

  private unlink(path: string): void {
    const parent = parentOf(path);
    if (parent === undefined) return;
    const set = this.index.get(parent);
    set?.delete(path.slice(path.lastIndexOf('/') + 1));
    if (set?.size === 0) this.index.delete(parent);
  }
}
