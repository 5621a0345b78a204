/**
 * Several locks taken as one: all or nothing. Curator's InterProcessMultiLock takes its locks
 * in the order given, so two multi-locks over the same paths listed differently can deadlock;
 * here the paths are taken in one global (sorted) order, so they cannot.
 */
import { InvalidArgumentError, type ZkClient } from '@zk-recipes/core';
import { Deadline } from '@zk-recipes/core/recipe';
import type { Lease } from './lease.js';
import { Mutex, type AcquireOptions, type MutexOptions } from './mutex.js';
import { holding } from './scoped.js';

/** The leases of a MultiLock, released together (in reverse order of acquisition). */
export interface MultiLease extends AsyncDisposable {
  /** One lease per path, in the order they were taken (sorted by path). */
  readonly leases: readonly Lease[];
  /** Aborts when any of the locks may no longer be held. */
  readonly signal: AbortSignal;
  readonly released: boolean;
  /** Every lease's {@link Lease.assertHeld}: throws unless all may still be held. */
  assertHeld(): void;
  /** Releases every lease; idempotent, never throws. */
  release(): Promise<void>;
}

/** All or nothing over several lock paths, taken in sorted order so two MultiLocks cannot deadlock (Curator's InterProcessMultiLock takes them in the order given). */
export class MultiLock {
  readonly paths: readonly string[];
  private readonly mutexes: Mutex[];

  constructor(client: ZkClient, paths: readonly string[], options: MutexOptions = {}) {
    const input: unknown = paths;
    if (!Array.isArray(input) || paths.length === 0) {
      throw new InvalidArgumentError('paths', 'paths must be a non-empty array');
    }
    this.paths = [...new Set(paths)].sort();
    this.mutexes = this.paths.map((p) => new Mutex(client, p, options));
  }

  /** Takes every lock, or none: on abort, timeout or error the ones taken are released. */
  async acquire(options: AcquireOptions = {}): Promise<MultiLease> {
    const deadline = Deadline.of(options);
    const taken: Lease[] = [];
    try {
      for (const m of this.mutexes) taken.push(await m.acquire(deadline.toOptions()));
    } catch (e) {
      for (const l of taken.reverse()) await l.release();
      throw e;
    }
    let releasing: Promise<void> | undefined;
    const release = () =>
      (releasing ??= (async () => {
        for (const l of [...taken].reverse()) await l.release();
      })());
    return {
      leases: taken,
      signal: AbortSignal.any(taken.map((l) => l.signal)),
      get released() {
        return releasing !== undefined;
      },
      assertHeld() {
        for (const l of taken) l.assertHeld();
      },
      release,
      [Symbol.asyncDispose]: release,
    };
  }

  /**
   * Runs `fn` while holding every lock, and releases them all whatever happens.
   *
   * @example
   * await new MultiLock(client, ['/locks/a', '/locks/b']).withLock(async () => transfer(a, b));
   */
  withLock<T>(fn: (lease: MultiLease) => Promise<T> | T, options: AcquireOptions = {}): Promise<T> {
    return holding(() => this.acquire(options), fn);
  }
}
