/**
 * One view of a queue per process: the sorted item names and the lock nodes, listed again only
 * when a watch said they changed and a consumer has nothing left to take from what it knows.
 * Every consumer of the process on the same client and paths shares it, with the set of items
 * taken in this process, so N consumers cost one listing per change, not one per item (Curator
 * lists the whole queue after every item, in every consumer: O(N²) bytes for a deep queue).
 */
import { NodeExistsError, NoNodeError, type ZkClient } from '@zk-recipes/core';
import { childPath, Deadline, waitFor } from '@zk-recipes/core/recipe';
import { ITEM_PREFIX, type Naming } from './names.js';

/** The widest spread of picks among racing consumers. */
const MAX_SPREAD = 32;

interface Side {
  path: string;
  stale: boolean;
  /** The generation of the latest listing: only its watch marks the side stale. */
  generation: number;
  running: Promise<string[]> | undefined;
}

export class QueueListing {
  /** Item names in take order, from `head` on (entries before it are gone). */
  private items: string[] = [];
  private head = 0;
  /** Items known gone since the last listing (taken here or by others). */
  private readonly gone = new Set<string>();
  /** Items this process has taken and not yet finished. */
  readonly taken = new Set<string>();
  /** Items another consumer holds (the lock listing, plus NodeExists answers since). */
  private locked = new Set<string>();
  private readonly queue: Side;
  private readonly locks: Side | undefined;
  private readonly wakers = new Set<() => void>();
  private readonly stopState: () => void;
  users = 0;
  /** How many of the first free items a pick chooses among (1: strict order). */
  private spread = 1;

  constructor(
    readonly client: ZkClient,
    queuePath: string,
    lockPath: string | undefined,
    private readonly naming: Naming,
    private readonly onVanished: (path: string) => void,
  ) {
    const side = (path: string): Side => ({ path, stale: true, generation: 0, running: undefined });
    this.queue = side(queuePath);
    this.locks = lockPath === undefined ? undefined : side(lockPath);
    // After a reconnect the watches may have missed changes (Curator's CURATOR-623 fix): list
    // again when next needed.
    this.stopState = client.onStateChange(({ state }) => {
      if (state === 'RECONNECTED' || state === 'CONNECTED') this.invalidate();
    });
  }

  private invalidate(): void {
    this.queue.stale = true;
    if (this.locks) this.locks.stale = true;
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  /**
   * The next item a consumer may take now (not taken here, not locked, due), marked taken; or
   * the time the first item not yet due becomes due (delay queue), or undefined. Lists the
   * queue (and the locks) again first when nothing in the known listing is free and a watch
   * said it changed.
   */
  async pick(now: () => number): Promise<{ name?: string; dueAt?: number }> {
    for (let round = 0; ; round++) {
      const found = this.scan(now());
      if (found.name !== undefined) {
        this.taken.add(found.name);
        return found;
      }
      const queueStale = this.queue.stale;
      const locksStale = this.locks?.stale ?? false;
      if ((!queueStale && !locksStale) || round > 1) return found;
      await Promise.all([
        queueStale ? this.list(this.queue) : undefined,
        locksStale ? this.list(this.locks!) : undefined,
      ]);
    }
  }

  private scan(now: number): { name?: string; dueAt?: number } {
    while (this.head < this.items.length && this.gone.has(this.items[this.head]!)) this.head++;
    // Alone, the first free item, in order. Racing consumers of other processes (they took
    // what we went for), one of the first `spread` free items at random: consumers that all go
    // for the head of the same listing would collide on nearly every item.
    let skip = this.spread > 1 ? Math.floor(Math.random() * this.spread) : 0;
    let first: string | undefined;
    for (let i = this.head; i < this.items.length; i++) {
      const name = this.items[i]!;
      if (this.gone.has(name) || this.taken.has(name) || this.locked.has(name)) continue;
      const due = this.naming.dueAt(name);
      // Sorted by due time: a free item not due means none after it is.
      if (due > now) return first !== undefined ? { name: first } : { dueAt: due };
      first ??= name;
      if (skip-- === 0) return { name };
    }
    return first !== undefined ? { name: first } : {};
  }

  /** Another process's consumer took what this one went for: spread the next picks. */
  collided(): void {
    this.spread = Math.min(MAX_SPREAD, this.spread * 2);
  }

  /** An item was taken without a race: back towards strict order. */
  tookAlone(): void {
    if (this.spread > 1) this.spread--;
  }

  /** The item is gone (finished, or taken by another consumer). */
  finished(name: string): void {
    this.taken.delete(name);
    this.gone.add(name);
  }

  /** This process no longer holds the item (released); it may be taken again. */
  released(name: string): void {
    this.taken.delete(name);
    this.wake();
  }

  /** Another consumer holds the item's lock node. */
  lockedElsewhere(name: string): void {
    this.taken.delete(name);
    this.locked.add(name);
  }

  /** Resolves at the next change a watch reports, at `until`, or at the deadline. */
  async changed(deadline: Deadline, until?: number): Promise<void> {
    // A watch that fired during pick's last listing woke nobody, and its side has no watch on
    // the server until listed again: waiting now would sleep through every later put (a
    // latency run left an item untaken this way). List again instead.
    if (this.queue.stale || this.locks?.stale) return;
    const d =
      until === undefined
        ? deadline
        : Deadline.of({
            ...(deadline.signal ? { signal: deadline.signal } : {}),
            timeoutMs: Math.max(0, Math.min(deadline.remainingMs(), until - Date.now())),
          });
    await waitFor<true>(d, (settle) => {
      const w = () => settle(true);
      this.wakers.add(w);
      return () => this.wakers.delete(w);
    });
  }

  private list(side: Side): Promise<string[]> {
    side.running ??= this.listOnce(side).finally(() => (side.running = undefined));
    return side.running;
  }

  private async listOnce(side: Side): Promise<string[]> {
    const generation = ++side.generation;
    side.stale = false;
    let children: string[];
    try {
      ({ children } = await this.client.getChildren(side.path, {
        watch: () => {
          // Any event (a change, the session's end, a removal): list again when next needed.
          if (side.generation !== generation) return;
          side.stale = true;
          this.wake();
        },
      }));
    } catch (e) {
      side.stale = true;
      if (!(e instanceof NoNodeError)) throw e;
      // Deleted, or a container the server reaped: made again persistent, never a container
      // (a Java consumer stops for good when its queue node goes).
      await this.client.create(side.path, '', { createParents: true }).catch((c: unknown) => {
        if (!(c instanceof NodeExistsError)) throw c;
      });
      this.onVanished(side.path);
      return [];
    }
    if (side === this.queue) {
      const key = this.naming.sortKey;
      this.items = children
        .filter((c) => c.startsWith(ITEM_PREFIX))
        .map((c) => [key(c), c] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([, c]) => c);
      this.head = 0;
      this.gone.clear();
    } else {
      this.locked = new Set(children);
    }
    return children;
  }

  /** Stops listening; the watches left on the server are removed by the last user. */
  async close(): Promise<void> {
    this.stopState();
    this.wake();
    for (const side of [this.queue, this.locks]) {
      if (!side) continue;
      side.generation++;
      await side.running?.catch(() => undefined);
      await this.client.removeWatches(side.path, { type: 'children' }).catch(() => undefined);
    }
  }

  /** The path of an item. */
  itemPath(name: string): string {
    return childPath(this.queue.path, name);
  }
}

/** The listings of this process: one per client, queue path, lock path and naming. */
const shared = new WeakMap<ZkClient, Map<string, QueueListing>>();

export function acquireListing(
  client: ZkClient,
  queuePath: string,
  lockPath: string | undefined,
  naming: Naming,
  namingId: string,
  onVanished: (path: string) => void,
): QueueListing {
  let byKey = shared.get(client);
  if (!byKey) shared.set(client, (byKey = new Map<string, QueueListing>()));
  const key = `${namingId}\0${queuePath}\0${lockPath ?? ''}`;
  let listing = byKey.get(key);
  if (!listing) {
    listing = new QueueListing(client, queuePath, lockPath, naming, onVanished);
    byKey.set(key, listing);
  }
  listing.users++;
  return listing;
}

export async function releaseListing(listing: QueueListing): Promise<void> {
  if (--listing.users > 0) return;
  const byKey = shared.get(listing.client);
  for (const [k, v] of byKey ?? []) if (v === listing) byKey!.delete(k);
  await listing.close();
}
