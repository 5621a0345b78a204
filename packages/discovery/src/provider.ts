/**
 * Curator's ServiceProvider: picks an instance of a service from a ServiceCache (memory only,
 * no round trip) by a strategy, after filters and a down-instance policy.
 */
import { InvalidArgumentError, RecipeClosedError } from '@zk-recipes/core';
import type { ServiceCache } from './cache.js';
import type { ServiceInstance } from './instance.js';

/** Picks one of `instances` (never empty); `undefined` to give none. */
export type ProviderStrategy<P> = (
  instances: readonly ServiceInstance<P>[],
) => ServiceInstance<P> | undefined;

/** Whether an instance may be given out. */
export type InstanceFilter<P> = (instance: ServiceInstance<P>) => boolean;

/**
 * When an instance counts as down after `noteError()`: at `errorThreshold` errors, each within
 * `timeoutMs` of the one before, it is left out until `timeoutMs` after its last error (Curator
 * times from the first error and purges at timeout/2: a failing instance came back while
 * still failing).
 */
export interface DownInstancePolicy {
  /** Default 30 000 (Curator's). */
  timeoutMs?: number;
  /** Default 2 (Curator's). */
  errorThreshold?: number;
}

/** Options of a {@link ServiceProvider}. */
export interface ServiceProviderOptions<P> {
  /** `roundRobin` (default), `random`, `sticky` (round robin to choose), or a function. */
  strategy?: 'roundRobin' | 'random' | 'sticky' | ProviderStrategy<P>;
  /** Every filter must accept an instance for it to be given out. */
  filters?: readonly InstanceFilter<P>[];
  downInstancePolicy?: DownInstancePolicy;
}

interface Down {
  errors: number;
  lastErrorAt: number;
}

/**
 * Client-side load balancing over one service's live instances: `getInstance()` picks one by
 * the strategy, `noteError()` reports a failing one. Made by `discovery.serviceProvider(name)`;
 * closing it releases its share of the service's cache.
 */
export class ServiceProvider<P = unknown> implements AsyncDisposable {
  private readonly pick: ProviderStrategy<P>;
  private readonly filters: readonly InstanceFilter<P>[];
  private readonly timeoutMs: number;
  private readonly threshold: number;
  private readonly down = new Map<string, Down>();
  /** The filtered list, kept until the cache's list moves or a down instance comes back. */
  private usable: readonly ServiceInstance<P>[] = [];
  private usableVersion = -1;
  /** When the next down instance comes back (Infinity: none is down). */
  private nextReturn = Infinity;
  private counter = 0;
  private sticky: ServiceInstance<P> | undefined;
  private stickyList: readonly ServiceInstance<P>[] | undefined;

  /** @internal Use `discovery.serviceProvider(name)`. */
  constructor(
    /** The cache the provider reads (shared with every other reader of the service). */
    readonly cache: ServiceCache<P>,
    options: ServiceProviderOptions<P> = {},
  ) {
    const s = options.strategy ?? 'roundRobin';
    this.filters = [...(options.filters ?? [])];
    if (this.filters.some((f) => typeof f !== 'function'))
      throw new InvalidArgumentError('filters', 'each filter must be a function');
    const p = options.downInstancePolicy ?? {};
    this.timeoutMs = p.timeoutMs ?? 30_000;
    this.threshold = p.errorThreshold ?? 2;
    if (!(Number.isFinite(this.timeoutMs) && this.timeoutMs >= 0))
      throw new InvalidArgumentError('timeoutMs', 'downInstancePolicy.timeoutMs must be >= 0');
    if (!(Number.isInteger(this.threshold) && this.threshold >= 1))
      throw new InvalidArgumentError('errorThreshold', 'errorThreshold must be an integer >= 1');
    if (typeof s === 'function') this.pick = s;
    else if (s === 'roundRobin') this.pick = (l) => l[this.counter++ % l.length];
    else if (s === 'random') this.pick = (l) => l[Math.floor(Math.random() * l.length)];
    else if (s === 'sticky') this.pick = (l) => this.stick(l);
    else throw new InvalidArgumentError('strategy', `unknown strategy ${String(s)}`);
  }

  /**
   * An instance by the strategy, from memory; `undefined` when none is usable. Sticky keeps its
   * instance while it stays in the usable list, judged by id (Curator compares every field, so
   * an update of the instance made it switch).
   */
  getInstance(): ServiceInstance<P> | undefined {
    this.throwIfClosed();
    const list = this.getAllInstances();
    return list.length === 0 ? undefined : this.pick(list);
  }

  /** The usable instances: live, accepted by every filter, not down. */
  getAllInstances(): readonly ServiceInstance<P>[] {
    this.throwIfClosed();
    const { version, list } = this.cache.snapshot;
    if (
      version !== this.usableVersion ||
      (this.nextReturn !== Infinity && Date.now() >= this.nextReturn)
    ) {
      this.usableVersion = version;
      this.usable = this.filter(list);
    }
    return this.usable;
  }

  /**
   * Reports an error calling `instance`: at the policy's threshold it is left out until
   * `timeoutMs` after its last error.
   */
  noteError(instance: ServiceInstance<P>): void {
    this.throwIfClosed();
    const now = Date.now();
    const d = this.down.get(instance.id);
    const errors = d && now - d.lastErrorAt < this.timeoutMs ? d.errors + 1 : 1;
    this.down.set(instance.id, { errors, lastErrorAt: now });
    if (errors >= this.threshold) this.usableVersion = -1; // filter again now
  }

  private filter(list: readonly ServiceInstance<P>[]): readonly ServiceInstance<P>[] {
    const now = Date.now();
    this.nextReturn = Infinity;
    for (const [id, d] of this.down) {
      const back = d.lastErrorAt + this.timeoutMs;
      if (now >= back) this.down.delete(id);
      else if (d.errors >= this.threshold) this.nextReturn = Math.min(this.nextReturn, back);
    }
    if (this.filters.length === 0 && this.nextReturn === Infinity) return list;
    return list.filter((i) => {
      const d = this.down.get(i.id);
      if (d && d.errors >= this.threshold) return false;
      return this.filters.every((f) => f(i));
    });
  }

  private stick(list: readonly ServiceInstance<P>[]): ServiceInstance<P> | undefined {
    const held = this.sticky;
    if (held && list === this.stickyList) return held; // the same list: still in it
    this.stickyList = list;
    const now = held && list.find((i) => i.id === held.id);
    return (this.sticky = now ?? list[this.counter++ % list.length]);
  }

  /** Every call after close() throws RecipeClosedError (its cache's list is no longer kept). */
  private throwIfClosed(): void {
    if (this.cache.state === 'CLOSED') throw new RecipeClosedError(this.cache.path);
  }

  /** Releases the provider's share of the service's cache. */
  close(): Promise<void> {
    return this.cache.close();
  }

  /** `await using`: calls `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
