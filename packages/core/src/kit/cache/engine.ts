/**
 * The cache engine: a node, the children of a path or a subtree, kept equal to the server's.
 * One persistent watch (recursive below the path), set before the first read so no change
 * falls between; an initial load and every rebuild after a reconnect read in pipelined
 * batches, level by level, and list children only where the cversion (or the child count)
 * moved. A server that answers UNIMPLEMENTED to addWatch (3.5) gets one-shot watches on every
 * node instead, decided from that answer, not from a version number. Changes are judged by
 * czxid and mzxid (store.ts). Every cache recipe is a view of one engine.
 */
import type { ZkClient } from '../../client.js';
import { InvalidArgumentError } from '../../errors.js';
import { Lifecycle } from '../../framework/lifecycle.js';
import { RELEASE_BOUND_MS } from '../../framework/release.js';
import { validatePath } from '../../paths.js';
import type { PersistentWatchEvent } from '../../persistent-watches.js';
import type { StateChange } from '../../states.js';
import type { WatchEvent } from '../../types.js';
import { joinSignals } from '../abort.js';
import { onClientState } from '../connectivity.js';
import { Deadline, settledWithin, waitFor, type WaitOptions } from '../deadline.js';
import { RebuildDiff } from './diff.js';
import { isConnectionLoss, SUPERSEDED } from './interrupted.js';
import { CacheLoader } from './loader.js';
import { ReadOrder } from './order.js';
import { CacheNotReadyError, checkOptions } from './options.js';
import { CacheStore, type Change } from './store.js';
import { CacheWatches } from './watches.js';
import type {
  CachedNode,
  CacheEngineEvents,
  CacheEngineOptions,
  CacheEvent,
  CacheScope,
  CacheWatchMode,
} from './types.js';

/**
 * How long close() waits for its watch removals and its loop, from its call: under the release
 * bound with a margin for the timer's lateness (as release.ts's delete deadline keeps one).
 */
const CLOSE_WAIT_MS = RELEASE_BOUND_MS - 100;

/**
 * Keeps a node, the children of a path, or a subtree equal to the server's, and tells each
 * change as an event (`on('event', ...)`). Never creates the path: an absent path is an empty
 * cache until someone creates it.
 *
 * @example
 * const engine = new CacheEngine(client, '/services/billing', { scope: 'children' });
 * engine.on('event', (e) => console.log(e.type, 'path' in e ? e.path : ''));
 * await engine.start();
 * await engine.ready({ timeoutMs: 5_000 });
 */
export class CacheEngine extends Lifecycle<CacheEngineEvents> {
  /** What the engine watches. */
  readonly scope: CacheScope;
  /** How deep below the path it caches (0: the path alone). */
  readonly maxDepth: number;
  /** Whether it keeps data (else only Stats). */
  readonly keepData: boolean;
  private readonly batchSize: number;
  private readonly forcePerNode: boolean;
  private readonly store: CacheStore;
  private readonly order: ReadOrder;
  private readonly loader: CacheLoader;
  private readonly rootDepth: number;
  private mode: CacheWatchMode | undefined;
  private stale = true;
  private initialized = false;
  private generation = 0;
  private rebuilding: Promise<void> | undefined;
  private collecting: RebuildDiff | null = null;
  private readonly watches: CacheWatches;
  private running: Promise<void> | undefined;
  private stopStates: (() => void) | undefined;
  private readonly onWatch = (e: PersistentWatchEvent) => this.heard(e);
  private readonly onDataWatch = (e: WatchEvent) => this.heardData(e);
  private readonly onChildWatch = (e: WatchEvent) => this.heardChildren(e);

  constructor(
    private readonly client: ZkClient,
    path: string,
    options: CacheEngineOptions = {},
  ) {
    super('CacheEngine', validatePath(path));
    const o = checkOptions(options);
    this.scope = o.scope;
    this.maxDepth = o.maxDepth;
    this.keepData = o.keepData;
    this.batchSize = o.batchSize;
    this.forcePerNode = o.watchMode === 'perNode';
    this.rootDepth = path === '/' ? 0 : path.split('/').length - 1;
    this.store = new CacheStore(this.keepData);
    this.order = new ReadOrder(this.path);
    this.watches = new CacheWatches(client, this.path, this.scope, (e) => this.report(e));
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the loader's view of this
    const engine = this;
    this.loader = new CacheLoader({
      client,
      path: this.path,
      maxDepth: this.maxDepth,
      keepData: this.keepData,
      batchSize: this.batchSize,
      store: this.store,
      order: this.order,
      get closeSignal() {
        return engine.closeSignal;
      },
      get mode() {
        return engine.mode;
      },
      get generation() {
        return engine.generation;
      },
      dataWatched: this.watches.dataWatched,
      childWatched: this.watches.childWatched,
      onDataWatch: this.onDataWatch,
      onChildWatch: this.onChildWatch,
      depth: (p) => this.depth(p),
      apply: (c) => this.apply(c),
      applyAll: (c) => this.applyAll(c),
      report: (e) => this.report(e),
    });
  }

  // ---- what the cache holds ----------------------------------------------------------------

  /** The cached node at `path` (the watched path or one below it), or undefined. */
  get(path: string): CachedNode | undefined {
    return this.store.get(path);
  }

  /** The names of the cached children of `path`, sorted. */
  children(path: string): string[] {
    return this.store.children(path);
  }

  /** How many nodes the cache holds (the watched path included when it exists). */
  get size(): number {
    return this.store.size;
  }

  /** Every cached node (in no particular order). */
  nodes(): IterableIterator<CachedNode> {
    return this.store.values();
  }

  /**
   * True until the initial load is done, while the connection is down (SUSPENDED) or the
   * session lost, and until the rebuild after the reconnect is done: the cache may be behind.
   */
  isStale(): boolean {
    return this.stale;
  }

  /** Whether the initial load is done. */
  get isInitialized(): boolean {
    return this.initialized;
  }

  /** How the engine hears of changes; undefined until decided. */
  get watchMode(): CacheWatchMode | undefined {
    return this.mode;
  }

  /**
   * Waits for the initial load. Rejects with CacheNotReadyError at `timeoutMs`, with the
   * signal's reason on abort, RecipeClosedError when the cache is closed.
   */
  async ready(options: WaitOptions = {}): Promise<void> {
    const deadline = Deadline.of(options);
    if (this.initialized) return;
    const joined = joinSignals([options.signal, this.closeSignal]);
    try {
      const ok = await waitFor<true>(deadline.withSignal(joined.signal), (settle) =>
        this.on('event', (e) => {
          if (e.type === 'initialized') settle(true);
        }),
      );
      if (!ok) throw new CacheNotReadyError(this.path, deadline.timeoutMs);
    } finally {
      joined.dispose();
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  protected onStart(): Promise<void> {
    if (this.client.state === 'CLOSED' || this.client.state === 'LATENT') {
      return Promise.reject(
        new InvalidArgumentError('client', 'the client must be started (and not closed)'),
      );
    }
    this.stopStates = onClientState(this.client, (c) => this.stateChanged(c)); // one per client
    this.running = this.run();
    return Promise.resolve();
  }

  protected async onClose(): Promise<void> {
    this.stopStates?.();
    this.generation++;
    const work = this.watches.removeAll();
    if (this.running) work.push(this.running);
    // Quick without ZooKeeper: what could not be removed goes on in the background (or with
    // the session). One bound counted from the call, whatever the client knows of its
    // connection: the grace used to start only once the client saw the connection down (a
    // silent one: 14 s with a 20 s session), and down at the call it took the whole bound,
    // never less, so any lag put close() past it (an addWatch tried while down leaves the
    // watch in doubt, and its removal waits for a connection).
    await settledWithin(Deadline.of({ timeoutMs: CLOSE_WAIT_MS }), Promise.all(work));
  }

  /** Adds the watch (with backoff until it is in, or the cache closes), then loads. */
  private async run(): Promise<void> {
    const mode = this.forcePerNode
      ? 'perNode'
      : await this.watches.add(this.onWatch, this.closeSignal);
    if (mode === undefined || this.state !== 'STARTED') return;
    this.mode = mode;
    this.requestRebuild();
  }

  private stateChanged(c: StateChange): void {
    if (this.state !== 'STARTED') return;
    if (c.state === 'SUSPENDED' || c.state === 'LOST') {
      if (c.state === 'LOST') this.watches.sessionLost();
      this.generation++; // a rebuild in flight cannot finish
      const was = this.stale;
      this.stale = true;
      if (!was || c.state === 'LOST') this.tell({ type: 'stale', reason: c.state });
    } else if (c.state === 'RECONNECTED' && this.mode === 'perNode') {
      this.requestRebuild();
    }
    // With a persistent watch, core re-adds it after RECONNECTED and then sends `Resync`.
  }

  // ---- events ------------------------------------------------------------------------------

  private tell(e: CacheEvent): void {
    this.emit('event', e);
  }

  private apply(change: Change | undefined): void {
    if (!change || this.state !== 'STARTED') return;
    this.collecting?.note(change);
    this.tell(change);
  }

  private applyAll(changes: Change[]): void {
    for (const c of changes) this.apply(c);
  }

  private depth(path: string): number {
    if (path === this.path) return 0;
    return path.split('/').length - 1 - this.rootDepth;
  }

  private inScope(path: string): boolean {
    if (path !== this.path) {
      const prefix = this.path === '/' ? '/' : `${this.path}/`;
      if (!path.startsWith(prefix)) return false;
    }
    return this.depth(path) <= this.maxDepth;
  }

  /** An event of the persistent watch. */
  private heard(e: PersistentWatchEvent): void {
    if (this.state !== 'STARTED') return;
    if (e.type === 'Resync') {
      this.requestRebuild();
      return;
    }
    if (!this.inScope(e.path)) return;
    if (e.type === 'NodeDeleted') this.removed(e.path);
    else void this.loader.refresh(e.path);
  }

  /** A delete heard: the subtree goes, and reads sent before it are dropped (order.ts). */
  private removed(path: string): void {
    this.order.deleted(path);
    this.applyAll(this.store.removeTree(path));
  }

  /** perNode: a data (or exists) watch fired. */
  private heardData(e: WatchEvent): void {
    this.watches.dataWatched.delete(e.path);
    if (this.state !== 'STARTED') return;
    if (e.type === 'NodeDeleted') {
      this.removed(e.path);
      if (e.path === this.path) void this.loader.refresh(e.path); // watch for its creation again
    } else if (e.type === 'NodeCreated' || e.type === 'NodeDataChanged') {
      void this.loader.refresh(e.path);
    }
  }

  /** perNode: a children watch fired. */
  private heardChildren(e: WatchEvent): void {
    this.watches.childWatched.delete(e.path);
    if (this.state !== 'STARTED') return;
    if (e.type === 'NodeChildrenChanged') void this.loader.refresh(e.path, true);
  }

  // ---- rebuilds ----------------------------------------------------------------------------

  /** Starts a rebuild, or makes the one running start over (a newer reconnect). */
  private requestRebuild(): void {
    this.generation++;
    this.rebuilding ??= this.rebuildLoop().finally(() => {
      this.rebuilding = undefined;
    });
  }

  private async rebuildLoop(): Promise<void> {
    while (this.state === 'STARTED') {
      const gen = this.generation;
      this.collecting ??= new RebuildDiff();
      try {
        await this.loader.load([this.path], gen);
      } catch (e) {
        if (e !== SUPERSEDED && !isConnectionLoss(e)) this.report(e);
        if (gen !== this.generation) continue; // a newer reconnect: start over
        return; // the connection went: the reconnect's rebuild follows
      }
      if (gen !== this.generation) continue;
      const diff = this.collecting.result();
      this.collecting = null;
      this.stale = false;
      if (!this.initialized) {
        this.initialized = true;
        this.tell({ type: 'initialized', size: this.store.size });
      } else {
        this.tell({ type: 'resynced', diff });
      }
      return;
    }
  }
}
