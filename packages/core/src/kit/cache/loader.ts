/**
 * The engine's reads: one node after an event, and the loads (initial and after a reconnect),
 * level by level. With a persistent watch a level is read in multiRead batches (core's
 * `multiRead`, ZooKeeper 3.6+, which the persistent watch already needs): a getData of every
 * node, then a getChildren of those whose children must be listed, a few batches in flight; one
 * request per batch instead of one per node is what makes a large load quick (bench/RESULTS.md).
 * Per-node watches (servers without addWatch) read node by node, each read setting its watch
 * (reads.ts). Children are listed only where a node is new or re-created, or its cversion or
 * child count moved, and never on leaves.
 */
import type { ZkClient } from '../../client.js';
import { NoNodeError } from '../../errors.js';
import type { ReadResult } from '../../multi-read.js';
import { childPath } from '../../paths.js';
import type { Stat, WatchEvent } from '../../types.js';
import { isConnectionLoss, SUPERSEDED } from './interrupted.js';
import type { ReadOrder } from './order.js';
import { callOptions, listChildren, readNode, type Read } from './reads.js';
import type { CacheStore, Change } from './store.js';
import type { CacheWatchMode } from './types.js';

/** What the loader needs of its engine. */
export interface LoaderHost {
  readonly client: ZkClient;
  readonly path: string;
  readonly maxDepth: number;
  readonly keepData: boolean;
  readonly batchSize: number;
  readonly store: CacheStore;
  readonly order: ReadOrder;
  readonly closeSignal: AbortSignal;
  readonly mode: CacheWatchMode | undefined;
  /** Moves on each reconnect (and close): a load of an older generation stops. */
  readonly generation: number;
  /** perNode mode: the paths holding a data (or exists) watch, and a children watch. */
  readonly dataWatched: Set<string>;
  readonly childWatched: Set<string>;
  readonly onDataWatch: (e: WatchEvent) => void;
  readonly onChildWatch: (e: WatchEvent) => void;
  depth(path: string): number;
  apply(change: Change | undefined): void;
  applyAll(changes: Change[]): void;
  report(e: unknown): void;
}

/** Reads per multiRead at most; fewer once large nodes are seen (MAX_BATCH_BYTES). */
const MAX_READS_PER_REQUEST = 500;
/** About how many bytes of data one multiRead's answer should carry. */
const MAX_BATCH_BYTES = 512 * 1024;
/** The first batch of a load, before any node's size is known. */
const FIRST_BATCH = 16;

export class CacheLoader {
  /** The largest data seen so far: it sizes the batches (a 1 MB node makes them short). */
  private largest = -1;

  constructor(private readonly h: LoaderHost) {}

  /**
   * Re-reads one node after an event; `relist` (a children watch fired, or the node is new and
   * one-shot watches must cover its children) lists and loads its children too.
   */
  async refresh(path: string, relist = false): Promise<void> {
    const h = this.h;
    try {
      const next: string[] = [];
      const gen = h.generation;
      await this.sync(path, gen, next, relist || (h.mode === 'perNode' && !h.store.has(path)));
      if (next.length > 0) await this.load(next, gen);
    } catch (e) {
      if (e !== SUPERSEDED && !isConnectionLoss(e)) h.report(e);
      // A lost read is covered by the rebuild after the reconnect.
    }
  }

  /**
   * Loads `level` (nodes of one depth) and everything below it, level by level, keeping about
   * `batchSize` reads in flight (a sliding window: a new request leaves as each answer arrives).
   */
  async load(level: string[], gen: number): Promise<void> {
    let current = level;
    while (current.length > 0) {
      const next: string[] = [];
      const todo = current;
      let i = 0;
      if (this.h.mode === 'persistent') {
        const batch = () => {
          const n =
            this.largest < 0
              ? FIRST_BATCH
              : Math.max(
                  1,
                  Math.min(
                    MAX_READS_PER_REQUEST,
                    this.h.batchSize,
                    Math.floor(MAX_BATCH_BYTES / (this.largest + 100)),
                  ),
                );
          return todo.slice(i, (i += n));
        };
        const lanes = Math.max(1, Math.round(this.h.batchSize / MAX_READS_PER_REQUEST));
        const lane = async () => {
          while (i < todo.length) await this.syncMany(batch(), gen, next).catch(this.skip);
        };
        await Promise.all(Array.from({ length: Math.min(lanes, todo.length) }, lane));
      } else {
        const lane = async () => {
          while (i < todo.length) await this.sync(todo[i++]!, gen, next).catch(this.skip);
        };
        await Promise.all(Array.from({ length: Math.min(this.h.batchSize, todo.length) }, lane));
      }
      current = next;
    }
  }

  /** A node (or batch) the server refused to read (NOAUTH, say): reported, the rest loads. */
  private readonly skip = (e: unknown): void => {
    if (e === SUPERSEDED || isConnectionLoss(e)) throw e;
    this.h.report(e);
  };

  // ---- one node at a time (events; perNode mode) -------------------------------------------

  /**
   * Brings one node up to date; pushes onto `next` the children to visit. Lists the children
   * only when asked, or when {@link mustList} says so.
   */
  private async sync(path: string, gen: number, next: string[], forceList = false): Promise<void> {
    const h = this.h;
    // The read leaves first: what the engine notes before it, it notes while the server answers
    // (a change's latency is mostly this one round trip, bench/RESULTS.md, issue 18).
    const sent = readNode(h, path);
    const before = h.store.get(path);
    const r = await h.order.read(path, sent);
    if (gen !== h.generation) throw SUPERSEDED;
    if (r === undefined) return; // deleted after the read was sent: that delete decided
    if (!r) {
      h.applyAll(h.store.removeTree(path));
      return;
    }
    const cached = this.stored(path, r);
    if (cached === undefined) return;
    if (!forceList && !this.mustList(path, before, r.stat, cached)) {
      for (const name of cached) next.push(childPath(path, name));
      return;
    }
    const l = await h.order.read(path, listChildren(h, path));
    if (gen !== h.generation) throw SUPERSEDED;
    if (l === undefined) return;
    if (!l) {
      h.applyAll(h.store.removeTree(path));
      return;
    }
    this.dropChildren(cached, path, new Set(l.children), l.stat.pzxid);
    for (const name of l.children) next.push(childPath(path, name));
  }

  /**
   * Stores what a read found; the names of the node's cached children when they may have to be
   * visited, or undefined when not (at the depth limit, or a leaf: cached children it no longer
   * has are dropped, unless created after this read).
   */
  private stored(path: string, r: Read): string[] | undefined {
    const h = this.h;
    this.largest = Math.max(this.largest, r.stat.dataLength);
    h.apply(h.store.put(path, h.keepData ? r.data : undefined, r.stat));
    if (h.depth(path) >= h.maxDepth) return undefined;
    const cached = h.store.children(path);
    if (r.stat.numChildren === 0 && h.mode !== 'perNode') {
      // A leaf: nothing to list (half the reads of a load are saved so).
      if (cached.length > 0) this.dropChildren(cached, path, new Set(), r.stat.pzxid);
      return undefined;
    }
    return cached;
  }

  /** Whether a node's children must be listed: new or re-created, or they moved. */
  private mustList(
    path: string,
    before: { stat: Stat } | undefined,
    stat: Stat,
    cached: string[],
  ): boolean {
    const was = before?.stat;
    return (
      !was ||
      was.czxid !== stat.czxid ||
      was.cversion !== stat.cversion ||
      stat.numChildren !== cached.length ||
      (this.h.mode === 'perNode' && !this.h.childWatched.has(path))
    );
  }

  /** Removes the cached children not in `names`, except those created after `pzxid`. */
  private dropChildren(cached: string[], path: string, names: Set<string>, pzxid: bigint): void {
    const h = this.h;
    for (const name of cached) {
      if (names.has(name)) continue;
      const child = childPath(path, name);
      const node = h.store.zxids(child);
      // A child created after this read (its creation's event came first) stays.
      if (!node || node.czxid <= pzxid) h.applyAll(h.store.removeTree(child));
    }
  }

  // ---- batches (persistent watch) ----------------------------------------------------------

  /** {@link sync} for a batch of nodes: one multiRead of their data, one of the lists needed. */
  private async syncMany(paths: string[], gen: number, next: string[]): Promise<void> {
    if (paths.length === 0) return;
    const h = this.h;
    const befores = paths.map((p) => h.store.get(p));
    const reads = paths.map((path) => ({ op: 'getData' as const, path }));
    const results = await h.order.readMany(paths, h.client.multiRead(reads, callOptions(h)));
    if (gen !== h.generation) throw SUPERSEDED;
    const listing: { path: string; cached: string[]; pzxid: bigint }[] = [];
    for (let k = 0; k < paths.length; k++) {
      const r = results[k];
      const path = paths[k]!;
      if (r === undefined) continue; // deleted after the read was sent
      if (!this.found(path, r)) continue;
      const read = r as Read;
      const before = befores[k];
      const cached = this.stored(path, read);
      if (cached === undefined) continue;
      if (this.mustList(path, before, read.stat, cached)) {
        listing.push({ path, cached, pzxid: read.stat.pzxid });
      } else {
        for (const name of cached) next.push(childPath(path, name));
      }
    }
    if (listing.length === 0) return;
    const lists = await h.order.readMany(
      listing.map((l) => l.path),
      h.client.multiRead(
        listing.map((l) => ({ op: 'getChildren' as const, path: l.path })),
        callOptions(h),
      ),
    );
    if (gen !== h.generation) throw SUPERSEDED;
    for (let k = 0; k < listing.length; k++) {
      const r = lists[k];
      const { path, cached, pzxid } = listing[k]!;
      if (r === undefined || !this.found(path, r) || !('children' in r)) continue;
      // The listing carries no Stat: the pzxid is the node's read just before. A child made
      // between the two is listed (kept); one deleted between them was heard deleted first.
      this.dropChildren(cached, path, new Set(r.children), pzxid);
      for (const name of r.children) next.push(childPath(path, name));
    }
  }

  /** False when the read failed: NONODE removes the node, another error is reported. */
  private found(path: string, r: ReadResult): boolean {
    if (!('error' in r)) return true;
    if (r.error instanceof NoNodeError) this.h.applyAll(this.h.store.removeTree(path));
    else this.h.report(r.error);
    return false;
  }
}
