/**
 * Curator's ServiceCache as a thin view over the kit's cache engine: the live instances of one
 * service, decoded once per client whatever number of caches and providers read them (each of
 * Curator's providers builds its own cache, so every change costs one read per provider), and
 * changes told as `{ added, removed, updated }` (Curator's cacheChanged() says nothing:
 * CURATOR-380).
 */
import { IllegalStateError, SerializationError, type ZkClient } from '@zk-recipes/core';
import {
  CacheEngine,
  joinSignals,
  Lifecycle,
  waitFor,
  Deadline,
  type CacheEvent,
  type WaitOptions,
} from '@zk-recipes/core/recipe';
import type { ServiceInstance } from './instance.js';
import type { InstanceSerializer } from './serializer.js';

/** What changed in a service's instances, in one batch. */
export interface ServiceCacheChange<P> {
  readonly added: readonly ServiceInstance<P>[];
  readonly removed: readonly ServiceInstance<P>[];
  /** The instances as they are now. */
  readonly updated: readonly ServiceInstance<P>[];
}

type Listener<P> = { change(c: ServiceCacheChange<P>): void; error(e: unknown): void };

/** One service's instances for one client and serializer: the engine and the decoded list. */
class SharedInstances<P> {
  readonly engine: CacheEngine;
  private readonly byNode = new Map<string, ServiceInstance<P>>();
  /** Sorted by node name; made anew (never mutated) after a change, so readers may keep it. */
  private sorted: readonly ServiceInstance<P>[] | undefined = [];
  /** Counts the changes of `list` (providers recompute their filtered list when it moves). */
  version = 0;
  readonly listeners = new Set<Listener<P>>();
  refs = 0;
  private pending = { added: new Map(), removed: new Map(), updated: new Map() } as {
    [K in keyof ServiceCacheChange<P>]: Map<string, ServiceInstance<P>>;
  };
  private flushQueued = false;

  constructor(
    client: ZkClient,
    readonly path: string,
    readonly serializer: InstanceSerializer<P>,
    readonly forget: () => void,
  ) {
    this.engine = new CacheEngine(client, path, { scope: 'children' });
    this.engine.on('event', (e) => this.heard(e));
    this.engine.on('error', (e) => this.listeners.forEach((l) => l.error(e)));
  }

  get list(): readonly ServiceInstance<P>[] {
    // Sorted on first read after a change, not per change: an initial load of thousands of
    // instances sorts once.
    this.sorted ??= Object.freeze(
      [...this.byNode.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]),
    );
    return this.sorted;
  }

  private decode(path: string, data: Buffer | undefined): ServiceInstance<P> | undefined {
    try {
      return this.serializer.deserialize(data ?? Buffer.alloc(0));
    } catch (e) {
      // A node that is no instance (written by something else, a payload failing the schema):
      // reported and left out, never a crash of the cache.
      const error =
        e instanceof SerializationError
          ? new SerializationError('deserialize', e.message, { cause: e.cause, path })
          : e;
      this.listeners.forEach((l) => l.error(error));
      return undefined;
    }
  }

  private heard(e: CacheEvent): void {
    if (e.type === 'added' || e.type === 'updated' || e.type === 'removed') {
      if (e.path === this.path) return; // the service's node itself
      const name = e.path.slice(this.path.length + 1);
      const before = this.byNode.get(name);
      const after = e.type === 'removed' ? undefined : this.decode(e.path, e.node.data);
      if (after) this.byNode.set(name, after);
      else this.byNode.delete(name);
      if (before === undefined && after === undefined) return;
      // A data rewrite with the same bytes (a Curator peer's re-registration) is no update.
      if (e.type === 'updated' && before && after && e.previous.data?.equals(e.node.data!)) {
        if (e.previous.stat.czxid === e.node.stat.czxid) return;
      }
      this.note(name, before, after);
    } else if (e.type === 'initialized' || e.type === 'resynced') {
      // The initial load is the start state, not a change.
      if (e.type === 'initialized') this.pending = newPending<P>();
      this.flush();
    }
  }

  private note(name: string, before?: ServiceInstance<P>, after?: ServiceInstance<P>): void {
    this.sorted = undefined;
    this.version++;
    const p = this.pending;
    if (before && after) {
      if (!p.added.has(name)) p.updated.set(name, after);
      else p.added.set(name, after);
    } else if (after) {
      if (p.removed.delete(name)) p.updated.set(name, after);
      else p.added.set(name, after);
    } else if (before) {
      if (!p.added.delete(name)) {
        p.updated.delete(name);
        p.removed.set(name, before);
      }
    }
    // Changes a rebuild finds after a reconnect come out together, on `resynced`; a live
    // change goes out once the events of the same turn are in.
    if (this.engine.isStale() || this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      if (!this.engine.isStale()) this.flush();
    });
  }

  private flush(): void {
    const p = this.pending;
    if (p.added.size + p.removed.size + p.updated.size === 0) return;
    this.pending = newPending<P>();
    const change: ServiceCacheChange<P> = Object.freeze({
      added: [...p.added.values()],
      removed: [...p.removed.values()],
      updated: [...p.updated.values()],
    });
    this.listeners.forEach((l) => l.change(change));
  }
}

function newPending<P>() {
  return {
    added: new Map<string, ServiceInstance<P>>(),
    removed: new Map<string, ServiceInstance<P>>(),
    updated: new Map<string, ServiceInstance<P>>(),
  };
}

/** The shared views: per client, per service path, per serializer. */
const shared = new WeakMap<ZkClient, Map<string, SharedInstances<unknown>[]>>();

function acquire<P>(
  client: ZkClient,
  path: string,
  serializer: InstanceSerializer<P>,
): SharedInstances<P> {
  let byPath = shared.get(client);
  if (!byPath) shared.set(client, (byPath = new Map<string, SharedInstances<unknown>[]>()));
  const list = byPath.get(path) ?? [];
  byPath.set(path, list);
  let s = list.find((x) => x.serializer === serializer) as SharedInstances<P> | undefined;
  if (!s) {
    const made: SharedInstances<P> = new SharedInstances(client, path, serializer, () => {
      list.splice(list.indexOf(made), 1);
      if (list.length === 0) byPath.delete(path);
    });
    list.push(made);
    s = made;
    // Rejects only on a client not started or closed (checked by the caller first): reported.
    made.engine.start().catch((e: unknown) => made.listeners.forEach((l) => l.error(e)));
  }
  s.refs++;
  return s;
}

/** Events of a {@link ServiceCache}. */
export type ServiceCacheEvents<P> = {
  /** What changed, in one batch (the initial load is not a change). */
  changed: [change: ServiceCacheChange<P>];
  /** A node that is no instance (a SerializationError with its path: left out), a read refused. */
  error: [error: unknown];
  /** The cache was closed. */
  closed: [];
};

/**
 * The live instances of one service, kept in memory (no round trip to read them). Made by
 * `discovery.serviceCache(name)`; however many caches and providers a client has on one
 * service, it reads and decodes each change once.
 */
export class ServiceCache<P = unknown> extends Lifecycle<ServiceCacheEvents<P>> {
  private core: SharedInstances<P> | undefined;
  private readonly listener: Listener<P> = {
    change: (c) => this.emit('changed', c),
    error: (e) => this.report(e),
  };

  /** @internal Use `discovery.serviceCache(name)`. */
  constructor(
    private readonly client: ZkClient,
    path: string,
    private readonly serializer: InstanceSerializer<P>,
  ) {
    super('ServiceCache', path);
  }

  protected onStart(): Promise<void> {
    this.core = acquire(this.client, this.path, this.serializer);
    this.core.listeners.add(this.listener);
    return Promise.resolve();
  }

  protected override onClosing(): void {
    this.emit('closed');
  }

  protected async onClose(): Promise<void> {
    const core = this.core;
    if (!core) return;
    core.listeners.delete(this.listener);
    if (--core.refs === 0) {
      core.forget();
      await core.engine.close();
    }
  }

  /** Waits for the initial load (CacheNotReadyError at `timeoutMs`). */
  async ready(options: WaitOptions = {}): Promise<void> {
    await this.started().engine.ready(options);
  }

  /** The instances now, sorted by node name (empty before the initial load). */
  instances(): readonly ServiceInstance<P>[] {
    this.throwIfClosed();
    return this.core?.list ?? [];
  }

  /** @internal The list and its version, for providers. */
  get snapshot(): { list: readonly ServiceInstance<P>[]; version: number } {
    return this.core ?? { list: [], version: 0 };
  }

  /** Whether the cache may be behind (before the initial load, while disconnected, until resynced). */
  isStale(): boolean {
    this.throwIfClosed();
    return this.core?.engine.isStale() ?? true;
  }

  /**
   * The changes from now on, one `{ added, removed, updated }` batch at a time; ends when the
   * cache closes or `signal` aborts (then rejects with its reason).
   *
   * @example
   * for await (const { added, removed } of cache.changes()) console.log(added.length, removed.length);
   */
  async *changes(options: { signal?: AbortSignal } = {}): AsyncGenerator<ServiceCacheChange<P>> {
    this.started();
    const queue: ServiceCacheChange<P>[] = [];
    let wake: (() => void) | undefined;
    const off = this.on('changed', (c) => {
      queue.push(c);
      wake?.();
    });
    const joined = joinSignals([options.signal, this.closeSignal]);
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (this.state !== 'STARTED') return;
        try {
          await waitFor<true>(Deadline.of({ signal: joined.signal }), (settle) => {
            wake = () => settle(true);
            return () => (wake = undefined);
          });
        } catch (e) {
          if (this.state !== 'STARTED' && !options.signal?.aborted) return; // closed
          throw e;
        }
      }
    } finally {
      off();
      joined.dispose();
    }
  }

  /** The shared list; RecipeClosedError once closed, IllegalStateError before start(). */
  private started(): SharedInstances<P> {
    this.throwIfClosed();
    if (!this.core || this.state !== 'STARTED') {
      throw new IllegalStateError(this.state, `ServiceCache is ${this.state}: start() it first`, {
        path: this.path,
      });
    }
    return this.core;
  }
}
