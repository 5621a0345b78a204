/**
 * The engine's nodes, with the one rule every change goes through: a node changed when its czxid
 * or mzxid moved, never judged by `version` alone (a node deleted and re-created with the same
 * version and new data is a change: Curator compares versions and misses it,
 * docs/recipes/cache.md).
 *
 * Compact, as a cache may hold hundreds of thousands of nodes: each node is one Buffer holding
 * its Stat's 68 wire bytes and then its data, filed under its name in its parent's table, so no
 * full path, Stat object (eleven fields, four of them BigInts) or second Buffer is kept per
 * node. The CachedNode a caller gets is made on demand, its Stat decoded then; a change's new
 * node is the read's own (bench/RESULTS.md has the heap per node).
 */
import { readStatAt, writeStatAt } from '../../driver/stat.js';
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

const STAT_BYTES = 68;
const ROOT = '';

/** A stored node as callers see it: a plain CachedNode, its Stat decoded, its data a view. */
function node(path: string, raw: Buffer, withData: boolean): CachedNode {
  return { path, data: withData ? raw.subarray(STAT_BYTES) : undefined, stat: readStatAt(raw, 0) };
}

/** A node's bytes: its Stat as jute writes it, then its data. */
function encode(stat: Stat, data: Buffer | undefined): Buffer {
  const b = Buffer.allocUnsafe(STAT_BYTES + (data?.length ?? 0));
  writeStatAt(stat, b, 0);
  data?.copy(b, STAT_BYTES);
  return b;
}

/** The czxid (at 0) or mzxid (at 8) of a stored node (a DataView: see readStatAt). */
const zxidAt = (raw: Buffer, o: 0 | 8): bigint =>
  new DataView(raw.buffer, raw.byteOffset + o, 8).getBigInt64(0);

export class CacheStore {
  /** Parent path -> child name -> the child's bytes (the parent need not be cached). */
  private readonly tables = new Map<string, Map<string, Buffer>>();
  private count = 0;

  /** `keepData`: whether nodes carry data (else only their Stat). */
  constructor(private readonly keepData: boolean) {}

  get size(): number {
    return this.count;
  }

  get(path: string): CachedNode | undefined {
    const raw = this.raw(path);
    return raw && node(path, raw, this.keepData);
  }

  has(path: string): boolean {
    return this.raw(path) !== undefined;
  }

  /** The czxid and mzxid of a stored node (the change rule's fields), without a Stat object. */
  zxids(path: string): { czxid: bigint; mzxid: bigint } | undefined {
    const raw = this.raw(path);
    return raw && { czxid: zxidAt(raw, 0), mzxid: zxidAt(raw, 8) };
  }

  children(path: string): string[] {
    return [...(this.tables.get(path)?.keys() ?? [])].sort();
  }

  *values(): IterableIterator<CachedNode> {
    for (const [parent, table] of this.tables) {
      for (const [name, raw] of table) {
        const path = parent === ROOT ? '/' : childPath(parent, name);
        yield node(path, raw, this.keepData);
      }
    }
  }

  /** Stores what a read found; the change, or undefined when nothing moved. */
  put(path: string, data: Buffer | undefined, stat: Stat): Change | undefined {
    const [parent, name] = split(path);
    let table = this.tables.get(parent);
    const old = table?.get(name);
    if (old) {
      const czxid = zxidAt(old, 0);
      const mzxid = zxidAt(old, 8);
      // An older answer than what is held (it cannot happen on one connection's FIFO order, but
      // a rebuild and a live read may both read one node): keep the newer.
      if (czxid === stat.czxid && mzxid > stat.mzxid) return undefined;
      const raw = encode(stat, this.keepData ? data : undefined);
      table!.set(name, raw);
      if (czxid === stat.czxid && mzxid === stat.mzxid) return undefined; // children fields only
      const now = { path, data: this.keepData ? data : undefined, stat };
      return { type: 'updated', path, node: now, previous: node(path, old, this.keepData) };
    }
    const raw = encode(stat, this.keepData ? data : undefined);
    if (!table) this.tables.set(parent, (table = new Map<string, Buffer>()));
    table.set(name, raw);
    this.count++;
    return { type: 'added', path, node: { path, data: this.keepData ? data : undefined, stat } };
  }

  /** Removes `path` and every cached node below it, deepest first. */
  removeTree(path: string): Change[] {
    const out: Change[] = [];
    const walk = (p: string) => {
      const table = this.tables.get(p);
      if (table) {
        for (const name of [...table.keys()]) walk(childPath(p, name));
        this.tables.delete(p);
      }
      const [parent, name] = split(p);
      const siblings = this.tables.get(parent);
      const raw = siblings?.get(name);
      if (raw) {
        siblings!.delete(name);
        if (siblings!.size === 0) this.tables.delete(parent);
        this.count--;
        out.push({ type: 'removed', path: p, previous: node(p, raw, this.keepData) });
      }
    };
    walk(path);
    return out;
  }

  private raw(path: string): Buffer | undefined {
    const [parent, name] = split(path);
    return this.tables.get(parent)?.get(name);
  }
}

/** A path as its parent's path and its name; '/' is filed under '' with the name ''. */
function split(path: string): [string, string] {
  const parent = parentOf(path);
  return parent === undefined ? [ROOT, ''] : [parent, path.slice(path.lastIndexOf('/') + 1)];
}
