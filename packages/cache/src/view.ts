/**
 * The node caches (NodeCache, ChildrenCache, TreeCache): a view of one cache engine with the
 * engine's events filtered to what the view shows, and `events()`.
 */
import type { ZkClient } from '@zk-recipes/core';
import {
  eventStream,
  type CacheEngineOptions,
  type CacheEvent,
  type CacheWatchMode,
} from '@zk-recipes/core/recipe';
import { EngineView } from './engine-view.js';

/** A cache's events: every change, in order, on `event`; errors it survived on `error`. */
export type CacheEvents = {
  event: [CacheEvent];
  error: [unknown];
};

export abstract class CacheView extends EngineView<CacheEvents> {
  protected constructor(
    recipe: string,
    client: ZkClient,
    path: string,
    options: CacheEngineOptions,
  ) {
    super(recipe, client, path, options);
  }

  protected heard(e: CacheEvent): void {
    const shown = this.show(e);
    if (shown) this.emit('event', shown);
  }

  /** The event as this view shows it, or undefined to hide it (default: as it is). */
  protected show(e: CacheEvent): CacheEvent | undefined {
    return e;
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
    this.throwIfClosed();
    return eventStream<CacheEvent>(
      (push) => this.on('event', push),
      this.closeSignal,
      options.signal,
    );
  }
}
