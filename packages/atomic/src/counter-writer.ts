/**
 * A counter's writes (atomic.ts): the kit's witnessed `update()` with the retry policy, the node
 * as our last write left it starting the next call (ADR 0026), then, when the optimistic
 * attempts are spent, the same under Curator's promotion lock (a `@zk-recipes/lock` Mutex).
 */
import type { RetryPolicy, Stat, ZkClient } from '@zk-recipes/core';
import {
  nextVersion,
  update,
  UpdateConflictError,
  WITNESS_IDLE_MS,
  type Deadline,
  type Versioned,
} from '@zk-recipes/core/recipe';
import { Mutex } from '@zk-recipes/lock';
import type { AtomicOptions, AtomicResult } from './atomic-types.js';
import type { Codec } from './codec.js';
import { AtomicUpdateError } from './errors.js';

/** The compare-and-set writes of one counter node. */
export class CounterWriter<T> {
  /**
   * The node as our last write left it, when, in which session, and whether nobody else wrote
   * between our two last writes (`quiet`).
   */
  private last:
    { node: Versioned; at: number; session: bigint | undefined; quiet: boolean } | undefined;

  constructor(
    private readonly client: ZkClient,
    private readonly path: string,
    private readonly codec: Codec<T>,
    private readonly policy: RetryPolicy,
    private readonly promote: AtomicOptions['promoteToLock'],
  ) {}

  /** Optimistic attempts per the policy, then (optionally) the same under the promotion lock. */
  async applyWithin(
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
