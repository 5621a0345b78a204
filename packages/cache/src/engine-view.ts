/**
 * The glue every cache of this package shares: one cache engine (the recipe kit's) behind the
 * kit's Lifecycle. start/close drive the engine, its errors are reported as the recipe's, and
 * each of its events reaches `heard()`, where a cache turns it into what it shows (CacheView
 * its node events, ConfigCache and ConfigMap validated values).
 */
import type { ZkClient } from '@zk-recipes/core';
import {
  CacheEngine,
  Lifecycle,
  type CacheEngineOptions,
  type CacheEvent,
  type WaitOptions,
} from '@zk-recipes/core/recipe';

export abstract class EngineView<Events extends { error: [unknown] }> extends Lifecycle<Events> {
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
    // Events come only after start(), so a subclass's fields are set by then.
    this.engine.on('event', (e) => this.heard(e));
    this.engine.on('error', (e) => this.report(e));
  }

  /** One engine event, in order. */
  protected abstract heard(e: CacheEvent): void;

  protected onStart(): Promise<void> {
    return this.engine.start();
  }

  protected onClose(): Promise<void> {
    return this.engine.close();
  }

  /**
   * Waits for the initial load (after `start()`). Rejects with CacheNotReadyError at
   * `timeoutMs`, the signal's reason on abort, RecipeClosedError when the cache is closed
   * (before or during the wait). Every call of a closed cache, this one, isStale() and each
   * cache's own methods, throws or rejects with RecipeClosedError.
   */
  async ready(options: WaitOptions = {}): Promise<void> {
    this.throwIfClosed();
    return this.engine.ready(options);
  }

  /**
   * True until the initial load is done, and from SUSPENDED or LOST until the rebuild after the
   * reconnect is done (`resynced`): what the cache holds may be behind the server.
   */
  isStale(): boolean {
    this.throwIfClosed();
    return this.engine.isStale();
  }
}
