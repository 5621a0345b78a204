import type { Stat, ZkClient } from '@zk-recipes/core';
import { eventStream, type CacheEvent, type WaitOptions } from '@zk-recipes/core/recipe';
import { checkSchema, decode, type ConfigSchema } from './codec.js';
import { EngineView } from './engine-view.js';
import { ConfigInvalidError } from './errors.js';
import { publishValue, updateValue, type ConfigUpdateOptions } from './publish.js';

/** Options of a {@link ConfigCache}. */
export interface ConfigCacheOptions<T> {
  /** The zod schema every value must pass, read or published. */
  schema: ConfigSchema<T>;
  /**
   * What `get()` returns while the node is absent (and before a first valid value); checked by
   * the schema at construction (ConfigInvalidError).
   */
  default?: T;
  /**
   * When the node is deleted: keep returning the last good value (true), or go back to
   * `default` (false, the default). `exists` says which case holds either way.
   */
  keepLastOnDelete?: boolean;
}

/** A config cache's events. */
export type ConfigCacheEvents<T> = {
  /** A new valid value (or `default` after a deletion). */
  change: [T | undefined];
  /** The node now holds an invalid value (not JSON, or the schema refused it): not applied. */
  invalid: [ConfigInvalidError];
  /** The node was deleted. */
  deleted: [];
  /** The connection went: values may be behind until `resynced`. */
  stale: [];
  /** The cache is up to date again after a reconnect. */
  resynced: [];
  error: [unknown];
};

/**
 * A typed config value kept in memory: one node holding JSON, validated by a zod schema. An
 * invalid value never replaces the last good one: it is reported on `invalid` and `get()`
 * goes on returning the last good value. Never creates the node unless `publish()` or
 * `update({ create: true })` is called.
 *
 * @example
 * const schema = z.object({ maxConnections: z.number().int().positive() });
 * await using config = new ConfigCache(client, '/config/billing', { schema });
 * await config.start();
 * await config.ready({ timeoutMs: 10_000 });
 * console.log(config.get()?.maxConnections);
 */
export class ConfigCache<T> extends EngineView<ConfigCacheEvents<T>> {
  private readonly schema: ConfigSchema<T>;
  private readonly fallback: T | undefined;
  private readonly keepLast: boolean;
  private value: T | undefined;
  private current: Stat | undefined;

  constructor(
    private readonly client: ZkClient,
    path: string,
    options: ConfigCacheOptions<T>,
  ) {
    super('ConfigCache', client, path, { scope: 'node' });
    checkSchema(options?.schema);
    this.schema = options.schema;
    // A default the schema refuses would be served as a valid value: refused here, at once.
    if (options.default !== undefined) {
      const r = this.schema.safeParse(options.default);
      if (!r.success) throw new ConfigInvalidError(path, 'schema', r.error);
    }
    this.fallback = options.default;
    this.keepLast = options.keepLastOnDelete === true;
    this.value = this.fallback;
  }

  protected heard(e: CacheEvent): void {
    switch (e.type) {
      case 'added':
      case 'updated': {
        this.current = e.node.stat;
        let value: T;
        try {
          value = decode(this.path, e.node.data ?? Buffer.alloc(0), this.schema);
        } catch (err) {
          this.emit('invalid', err as ConfigInvalidError);
          return;
        }
        this.value = value;
        this.emit('change', value);
        return;
      }
      case 'removed':
        this.current = undefined;
        this.emit('deleted');
        if (!this.keepLast) {
          this.value = this.fallback;
          this.emit('change', this.value);
        }
        return;
      case 'stale':
        this.emit('stale');
        return;
      case 'resynced':
        this.emit('resynced');
        return;
      default:
    }
  }

  /**
   * The last valid value (the node's, or `default` when the node is absent and
   * `keepLastOnDelete` is off); undefined when there is none. Synchronous.
   */
  get(): T | undefined {
    this.throwIfClosed();
    return this.value;
  }

  /** Whether the node exists (as far as the cache knows). */
  get exists(): boolean {
    return this.current !== undefined;
  }

  /** The node's Stat, undefined while it is absent. */
  get stat(): Stat | undefined {
    return this.current;
  }

  /** The valid values as they come, from now on; ends on close, rejects when `signal` aborts. */
  changes(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<T | undefined> {
    this.throwIfClosed();
    return eventStream<T | undefined>(
      (push) => this.on('change', push),
      this.closeSignal,
      options.signal,
    );
  }

  /**
   * Validates `value` (ConfigInvalidError before anything is sent), then writes it as JSON,
   * creating the node and its parents when absent. Last writer wins: use `update()` to build
   * on the current value.
   */
  async publish(value: T, options: WaitOptions = {}): Promise<Stat> {
    this.throwIfClosed();
    return publishValue(this.client, this.path, this.schema, value, options);
  }

  /**
   * Compare-and-set on the node's version: `fn(current)` gives the next value (validated) or
   * undefined to leave it; goes round when another writer won. Resolves with the value after.
   */
  async update(
    fn: (current: T | undefined) => T | undefined,
    options: ConfigUpdateOptions = {},
  ): Promise<T | undefined> {
    this.throwIfClosed();
    return updateValue(this.client, this.path, this.schema, fn, options);
  }
}
