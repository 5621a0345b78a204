import {
  exponentialBackoff,
  InvalidArgumentError,
  NoNodeError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import { update } from '@zk-recipes/core/recipe';
import type { AtomicCallOptions, AtomicOptions, AtomicResult } from './atomic-types.js';
import { INT, LONG, type Codec } from './codec.js';
import { bounded } from './bounded.js';
import { CounterWriter } from './counter-writer.js';

const DEFAULT_POLICY = exponentialBackoff({ baseSleepMs: 5, maxSleepMs: 200, maxRetries: 29 });

/**
 * A counter in a node, read and written with a compare-and-set on its version (Curator's
 * DistributedAtomicValue). Every write is witnessed (the kit's `update` with `witness`): a
 * write whose reply was lost is recognised as ours or not, so a connection loss never applies
 * a delta twice nor drops it (CURATOR-584).
 */
class AtomicValue<T, In = T> {
  private readonly client: ZkClient;
  private readonly codec: Codec<T>;
  private readonly writer: CounterWriter<T>;

  constructor(
    client: ZkClient,
    readonly path: string,
    codec: Codec<T>,
    options: AtomicOptions = {},
  ) {
    validatePath(path);
    if (path === '/') throw new InvalidArgumentError('path', 'a counter cannot live in /');
    const lock = options.promoteToLock;
    if (lock !== undefined) {
      validatePath(lock.lockPath);
      if (
        lock.timeoutMs !== undefined &&
        !(Number.isInteger(lock.timeoutMs) && lock.timeoutMs >= 0)
      ) {
        throw new InvalidArgumentError(
          'promoteToLock.timeoutMs',
          'timeoutMs must be an integer >= 0',
        );
      }
    }
    this.client = client;
    this.codec = codec;
    this.writer = new CounterWriter(
      client,
      path,
      codec,
      options.retryPolicy ?? DEFAULT_POLICY,
      lock,
    );
  }

  /** The current value (0 when the node is absent or empty). */
  async get(options: AtomicCallOptions = {}): Promise<T> {
    return bounded('get', this.path, options, async ({ signal }) => {
      try {
        const { data } = await this.client.getData(this.path, signal ? { signal } : {});
        return this.codec.decode(this.path, data);
      } catch (e) {
        if (e instanceof NoNodeError) return this.codec.zero;
        throw e;
      }
    });
  }

  /** Adds 1. */
  increment(options?: AtomicCallOptions): Promise<AtomicResult<T>> {
    return this.apply('increment', (v) => this.codec.add(v, this.one()), options);
  }

  /** Subtracts 1. */
  decrement(options?: AtomicCallOptions): Promise<AtomicResult<T>> {
    return this.apply(
      'decrement',
      (v) => this.codec.add(v, this.codec.negate(this.one())),
      options,
    );
  }

  /** Adds `delta` (wrapping as Java's arithmetic of the width does). */
  add(delta: In, options?: AtomicCallOptions): Promise<AtomicResult<T>> {
    const d = this.codec.check('delta', delta);
    return this.apply('add', (v) => this.codec.add(v, d), options);
  }

  /** Subtracts `delta`. */
  subtract(delta: In, options?: AtomicCallOptions): Promise<AtomicResult<T>> {
    const d = this.codec.negate(this.codec.check('delta', delta));
    return this.apply('subtract', (v) => this.codec.add(v, d), options);
  }

  /** Sets the value, whatever it was, through the same compare-and-set (Curator's trySet). */
  trySet(value: In, options?: AtomicCallOptions): Promise<AtomicResult<T>> {
    const v = this.codec.check('value', value);
    return this.apply('trySet', () => v, options);
  }

  /**
   * Sets `value` if the counter holds `expected` now; resolves false (nothing written) if it
   * holds something else. Rejects with AtomicUpdateError only when the writes kept losing races.
   */
  async compareAndSet(expected: In, value: In, options?: AtomicCallOptions): Promise<boolean> {
    const e = this.codec.check('expected', expected);
    const v = this.codec.check('value', value);
    let written = false;
    await this.apply(
      'compareAndSet',
      (cur) => {
        written = cur === e;
        return written ? v : undefined;
      },
      options,
    );
    return written;
  }

  /** Creates the node with `value` if it is absent; resolves whether it did. */
  async initialize(value: In, options: AtomicCallOptions = {}): Promise<boolean> {
    const v = this.codec.check('value', value);
    // update() returns only after its last call of fn was written (or asked for no write).
    let written = false;
    await bounded('initialize', this.path, options, ({ signal }) =>
      update(
        this.client,
        this.path,
        (cur) => {
          written = cur === undefined;
          return written ? this.codec.encode(v) : undefined;
        },
        { create: true, createParents: true, witness: true, ...(signal ? { signal } : {}) },
      ),
    );
    return written;
  }

  private one(): T {
    return this.codec.check('one', this.codec.bytes === 8 ? 1n : 1);
  }

  /** An update under the call's deadline (bounded.ts), made by the counter's writer. */
  private apply(
    operation: string,
    op: (current: T) => T | undefined,
    options: AtomicCallOptions = {},
  ): Promise<AtomicResult<T>> {
    return bounded(operation, this.path, options, (deadline) =>
      this.writer.applyWithin(op, deadline),
    );
  }
}

/**
 * A 64-bit counter, Curator's DistributedAtomicLong: int64 big-endian in `path`. Values come
 * back as bigint; arguments may be bigint or safe-integer numbers.
 *
 * @example
 * const hits = new AtomicLong(client, '/counters/hits');
 * const { postValue } = await hits.increment();
 */
export class AtomicLong extends AtomicValue<bigint, bigint | number> {
  constructor(client: ZkClient, path: string, options?: AtomicOptions) {
    super(client, path, LONG, options);
  }
}

/** A 32-bit counter (number), Curator's DistributedAtomicInteger: int32 big-endian in `path`. */
export class AtomicInteger extends AtomicValue<number> {
  constructor(client: ZkClient, path: string, options?: AtomicOptions) {
    super(client, path, INT, options);
  }
}
