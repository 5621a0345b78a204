import { InvalidArgumentError, type Stat, type ZkClient } from '@zk-recipes/core';
import { eventStream, type CacheEvent, type WaitOptions } from '@zk-recipes/core/recipe';
import { checkSchema, decode, type ConfigSchema } from './codec.js';
import { EngineView } from './engine-view.js';
import { ConfigInvalidError } from './errors.js';
import { publishValue, updateValue, type ConfigUpdateOptions } from './publish.js';

/** Options of a {@link ConfigMap}. */
export interface ConfigMapOptions<T> {
  /** The zod schema of every key's value. */
  schema: ConfigSchema<T>;
  /** Keep a deleted key's last good value (default false: the key goes). */
  keepLastOnDelete?: boolean;
}

/** One key's valid value as it changed (undefined: the key is gone). */
export interface ConfigMapChange<T> {
  readonly key: string;
  readonly value: T | undefined;
}

/** A config map's events. */
export type ConfigMapEvents<T> = {
  change: [ConfigMapChange<T>];
  /** A key now holds an invalid value: not applied, its last good value stays. */
  invalid: [string, ConfigInvalidError];
  stale: [];
  resynced: [];
  error: [unknown];
};

/**
 * Typed config for many keys: one child of the path per key (a tenant, a feature), each
 * holding JSON checked by one zod schema, as {@link ConfigCache} does for one node.
 *
 * @example
 * const tenants = new ConfigMap(client, '/config/tenants', { schema: z.object({ quota: z.number() }) });
 * await tenants.start();
 * await tenants.ready({ timeoutMs: 10_000 });
 * console.log(tenants.get('acme')?.quota);
 */
export class ConfigMap<T> extends EngineView<ConfigMapEvents<T>> {
  private readonly schema: ConfigSchema<T>;
  private readonly keepLast: boolean;
  private readonly values = new Map<string, T>();

  constructor(
    private readonly client: ZkClient,
    path: string,
    options: ConfigMapOptions<T>,
  ) {
    super('ConfigMap', client, path, { scope: 'children' });
    checkSchema(options?.schema);
    this.schema = options.schema;
    this.keepLast = options.keepLastOnDelete === true;
  }

  private keyOf(path: string): string | undefined {
    return path === this.path ? undefined : path.slice(path.lastIndexOf('/') + 1);
  }

  protected heard(e: CacheEvent): void {
    if (e.type === 'stale') return this.emit('stale');
    if (e.type === 'resynced') return this.emit('resynced');
    if (!('path' in e)) return;
    const key = this.keyOf(e.path);
    if (key === undefined) return;
    if (e.type === 'removed') {
      if (this.keepLast || !this.values.delete(key)) return;
      this.emit('change', { key, value: undefined });
      return;
    }
    let value: T;
    try {
      value = decode(e.path, e.node.data ?? Buffer.alloc(0), this.schema);
    } catch (err) {
      this.emit('invalid', key, err as ConfigInvalidError);
      return;
    }
    this.values.set(key, value);
    this.emit('change', { key, value });
  }

  /** The last valid value of `key`, or undefined. */
  get(key: string): T | undefined {
    this.throwIfClosed();
    return this.values.get(key);
  }

  /** The keys with a valid value, sorted. */
  keys(): string[] {
    this.throwIfClosed();
    return [...this.values.keys()].sort();
  }

  /** Every key's last valid value. */
  entries(): Map<string, T> {
    this.throwIfClosed();
    return new Map(this.values);
  }

  /** The changes as they come; ends on close, rejects when `signal` aborts. */
  changes(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<ConfigMapChange<T>> {
    this.throwIfClosed();
    return eventStream<ConfigMapChange<T>>(
      (push) => this.on('change', push),
      this.closeSignal,
      options.signal,
    );
  }

  private child(key: string): string {
    if (typeof key !== 'string' || key.length === 0 || key.includes('/'))
      throw new InvalidArgumentError('key', 'key must be a non-empty node name without "/"');
    return this.path === '/' ? `/${key}` : `${this.path}/${key}`;
  }

  /** Validates and writes `key`'s value (creating its node, and the map's path, if absent). */
  async publish(key: string, value: T, options: WaitOptions = {}): Promise<Stat> {
    this.throwIfClosed();
    return publishValue(this.client, this.child(key), this.schema, value, options);
  }

  /** Compare-and-set of `key`'s value (see ConfigCache.update). */
  async update(
    key: string,
    fn: (current: T | undefined) => T | undefined,
    options: ConfigUpdateOptions = {},
  ): Promise<T | undefined> {
    this.throwIfClosed();
    return updateValue(this.client, this.child(key), this.schema, fn, options);
  }
}
