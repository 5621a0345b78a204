/**
 * What every cache of this package is: a view of one cache engine (the recipe kit's), with
 * the kit's Lifecycle, the engine's events filtered to what the view shows, and `events()`.
 */
import type { ZkClient } from '@zk-recipes/core';
import {
  CacheEngine,
  eventStream,
  Lifecycle,
  type CacheEngineOptions,
  type CacheEvent,
  type CacheWatchMode,
  type WaitOptions,
} from '@zk-recipes/core/recipe';

/** A cache's events: every change, in order, on `event`; errors it survived on `error`. */
export type CacheEvents = {
  event: [CacheEvent];
  error: [unknown];
};

export abstract class CacheView extends Lifecycle<CacheEvents> {
  /** The engine this cache is a view of. */
  protected readonly engine: CacheEngine;

  protected constructor(
    recipe: string,
    client: ZkClient,
    path: string,
    options: CacheEngineOptions,
  ) {
    super(recipe, path);
    this.engine = new CacheEngine(client, path, options);
    this.engine.on('event', (e) => {
      const shown = this.show(e);
      if (shown) this.emit('event', shown);
    });
    this.engine.on('error', (e) => this.report(e));
  }

  /** The event as this view shows it, or undefined to hide it (default: as it is). */
  protected show(e: CacheEvent): CacheEvent | undefined {
    return e;
  }

  protected onStart(): Promise<void> {
    return this.engine.start();
  }

  protected onClose(): Promise<void> {
    return this.engine.close();
  }

  /**
   * Waits for the initial load (after `start()`). Rejects with CacheNotReadyError at
   * `timeoutMs`, the signal's reason on abort, RecipeClosedError when the cache is closed.
   */
  ready(options: WaitOptions = {}): Promise<void> {
    return this.engine.ready(options);
  }

  /**
   * True until the initial load is done, from SUSPENDED or LOST until the rebuild after the
   * reconnect is done (`resynced`): what the cache holds may be behind the server.
   */
  isStale(): boolean {
    return this.engine.isStale();
  }

  /** Whether the initial load is done. */
  get isInitialized(): boolean {
    return this.engine.isInitialized;
  }

  /** `persistent` (one addWatch) or `perNode` (a server without addWatch); undefined until known. */
  get watchMode(): CacheWatchMode | undefined {
    return this.engine.watchMode;
  }

  /**
   * The cache's events as an async iterator, from now on: ends when the cache closes, rejects
   * with the signal's reason when `signal` aborts. Events wait in a queue while the loop runs.
   */
  events(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<CacheEvent> {
    return eventStream<CacheEvent>(
      (push) => this.on('event', push),
      this.closeSignal,
      options.signal,
    );
  }
}
