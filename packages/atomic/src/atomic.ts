import {
  exponentialBackoff,
  InvalidArgumentError,
  NoNodeError,
  validatePath,
  type RetryPolicy,
  type Stat,
  type ZkClient,
} from '@zk-recipes/core';
import {
  Deadline,
  nextVersion,
  update,
  UpdateConflictError,
  WITNESS_IDLE_MS,
  type Versioned,
} from '@zk-recipes/core/recipe';
import { Mutex } from '@zk-recipes/lock';
import { INT, LONG, type Codec } from './codec.js';
import { bounded } from './bounded.js';
import { AtomicUpdateError } from './errors.js';

/** `{ signal, timeoutMs }` of one operation. */
export interface AtomicCallOptions {
  signal?: AbortSignal;
  /** Bound of the whole operation (reads, attempts, sleeps, the lock), in ms. */
  timeoutMs?: number;
}

/** Options of an {@link AtomicLong} or {@link AtomicInteger}. */
export interface AtomicOptions {
  /**
   * How often, and how far apart, a conditional write that lost its race is tried again.
   * Default: exponentialBackoff({ baseSleepMs: 5, maxSleepMs: 200, maxRetries: 29 }).
   */
  retryPolicy?: RetryPolicy;
  /**
   * Curator's PromotedToLock: when the optimistic attempts are spent, take an InterProcessMutex
   * at `lockPath` (Curator's layout) and try again under it with its own `retryPolicy`
   * (default: the counter's). Writers that do not promote are not excluded by it.
   */
  promoteToLock?: { lockPath: string; timeoutMs?: number; retryPolicy?: RetryPolicy };
}

/** What an update did: the value before and after it, and the node's Stat after it. */
export interface AtomicResult<T> {
  readonly preValue: T;
  readonly postValue: T;
  /** The counter node's Stat after the write (its version is that of our write). */
  readonly stat: Stat;
  /** Whether the write went through the promotion lock. */
  readonly promoted: boolean;
}

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
  private readonly policy: RetryPolicy;
  private readonly promote: AtomicOptions['promoteToLock'];
  /**
   * The node as our last write left it, when, in which session, and whether nobody else wrote
   * between our two last writes (`quiet`).
   */
  private last:
    { node: Versioned; at: number; session: bigint | undefined; quiet: boolean } | undefined;

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
    this.policy = options.retryPolicy ?? DEFAULT_POLICY;
    this.promote = lock;
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

  /** Optimistic attempts per the policy, then (optionally) the same under the promotion lock. */
  private apply(
    operation: string,
    op: (current: T) => T | undefined,
    options: AtomicCallOptions = {},
  ): Promise<AtomicResult<T>> {
    return bounded(operation, this.path, options, (deadline) => this.applyWithin(op, deadline));
  }

  private async applyWithin(
    op: (current: T) => T | undefined,
    deadline: Deadline,
  ): Promise<AtomicResult<T>> {
    const tries = { attempts: 0 };
    const optimistic = await this.round(op, deadline, this.policy, false, tries);
    if (optimistic) return optimistic;
    const lock = this.promote;
    if (!lock) throw new AtomicUpdateError(this.path, tries.attempts, false);
    const mutex = new Mutex(this.client, lock.lockPath);
    let lease;
    try {
      lease = await mutex.acquire({
        ...(deadline.signal ? { signal: deadline.signal } : {}),
        ...(lock.timeoutMs !== undefined ? { timeoutMs: lock.timeoutMs } : {}),
      });
    } catch (e) {
      throw new AtomicUpdateError(this.path, tries.attempts, true, e);
    }
    try {
      const r = await this.round(op, deadline, lock.retryPolicy ?? this.policy, true, tries);
      if (r) return r;
      throw new AtomicUpdateError(this.path, tries.attempts, true);
    } finally {
      await lease.release();
    }
  }

  /**
   * Witnessed conditional writes until one is applied or the policy gives up (undefined). The
   * node as our last write left it starts the next call, when recent enough and when nobody
   * else wrote between our last two writes. Under contention that node is nearly always stale
   * already: a write on it would only lose, and a lost conditional write is a transaction the
   * server logs, so a contended writer reads first, as Curator's does (ADR 0026).
   */
  private async round(
    op: (current: T) => T | undefined,
    deadline: Deadline,
    policy: RetryPolicy,
    promoted: boolean,
    tries: { attempts: number },
  ): Promise<AtomicResult<T> | undefined> {
    let pre = this.codec.zero;
    let post: T | undefined;
    const last = this.last;
    // Only while our witness surely still is a child of the node (it goes WITNESS_IDLE_MS after
    // our last write; meanwhile the node cannot be deleted): then the version read then still
    // belongs to this node, not to one deleted and re-created since (same version, other data).
    const recent =
      last && Date.now() - last.at < WITNESS_IDLE_MS / 2 && last.session === this.sessionId();
    const known = recent && last.quiet ? last.node : undefined;
    this.last = undefined;
    let first: number | undefined; // the version the first call of fn saw (-1: absent)
    try {
      const r = await update(
        this.client,
        this.path,
        (cur) => {
          first ??= cur?.stat.version ?? -1;
          pre = cur ? this.codec.decode(this.path, cur.data) : this.codec.zero;
          post = op(pre);
          return post === undefined ? undefined : this.codec.encode(post);
        },
        {
          create: true,
          createParents: true,
          witness: true,
          // No read behind each write: with it every process raced for every version and
          // contended throughput fell (bench/RESULTS.md, "A/B"; ADR 0026).
          readBack: false,
          retryPolicy: policy,
          known,
          ...(deadline.signal ? { signal: deadline.signal } : {}),
        },
      );
      if (r && post !== undefined) {
        // Nobody else wrote since our last write: the write on `known` went through first time,
        // or the read made instead found the node as we had left it.
        const quiet = known
          ? r.stat.version === nextVersion(known.stat.version)
          : recent === true && first === last.node.stat.version;
        this.last = { node: r, at: Date.now(), session: this.sessionId(), quiet };
      }
      return { preValue: pre, postValue: post ?? pre, stat: r?.stat ?? NO_STAT, promoted };
    } catch (e) {
      // Races lost on fresh reads, as the policy counts them (a first write on `known` that
      // failed is not one).
      if (e instanceof UpdateConflictError) {
        tries.attempts += e.attempts;
        return undefined;
      }
      throw e;
    }
  }

  private sessionId(): bigint | undefined {
    return this.client.session?.sessionId;
  }
}

/** The Stat reported when a compare-and-set found no node and wrote nothing. */
const NO_STAT: Stat = Object.freeze({
  czxid: 0n,
  mzxid: 0n,
  ctime: 0,
  mtime: 0,
  version: -1,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 0,
  numChildren: 0,
  pzxid: 0n,
});

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
