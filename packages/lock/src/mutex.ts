import os from 'node:os';
import {
  AcquireTimeoutError,
  InvalidArgumentError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import { makeLease, type Lease } from './lease.js';
import { participants, type Participant } from './participants.js';
import { watchForRevocation } from './revocation.js';
import { localQueue, takeTurn } from './local-queue.js';

/** Curator's InterProcessMutex lock name: nodes are `_c_<uuid>-lock-<seq>`. */
export const LOCK_NAME = 'lock-';

export interface MutexOptions {
  /** The lock node's data. Default: this host's IP address, as Curator writes it. */
  data?: Buffer | string;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** How long to wait for the lock, in ms. Default: no limit. */
  timeoutMs?: number;
  /**
   * Called (once) when someone asks for the lock back with requestRevoke() (Curator's
   * `__REVOKE__` message). Cooperative: release when it suits you.
   */
  onRevoke?: (lease: Lease) => void;
}

/** The first non-internal IPv4 address, as Curator's default node data (its local address). */
export function localAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * A distributed mutex: Curator's InterProcessMutex protocol, so Java services using Curator and
 * TypeScript services using this class exclude each other on the same path.
 *
 * @example
 * const mutex = new Mutex(client, '/locks/billing');
 * await using lease = await mutex.acquire({ timeoutMs: 10_000 });
 * await chargeCustomers({ fencingToken: lease.fencingToken, signal: lease.signal });
 */
export class Mutex {
  private readonly data: Buffer;

  constructor(
    readonly client: ZkClient,
    readonly path: string,
    options: MutexOptions = {},
  ) {
    validatePath(path);
    const d = options.data ?? localAddress();
    if (typeof d !== 'string' && !Buffer.isBuffer(d)) {
      throw new InvalidArgumentError('data', 'data must be a Buffer or a string');
    }
    this.data = typeof d === 'string' ? Buffer.from(d) : Buffer.from(d);
  }

  /**
   * Waits for the lock and resolves to a lease. Rejects with the signal's reason or
   * AcquireTimeoutError (with nothing left behind), or with the error that stopped it.
   */
  async acquire(options: AcquireOptions = {}): Promise<Lease> {
    const t = options.timeoutMs;
    if (t !== undefined && !(typeof t === 'number' && t >= 0 && Number.isFinite(t))) {
      throw new InvalidArgumentError('timeoutMs', 'timeoutMs must be a number >= 0');
    }
    const deadline = t === undefined ? undefined : Date.now() + t;
    const signals = [options.signal, t === undefined ? undefined : AbortSignal.timeout(t)].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    let releaseLocal: () => void;
    try {
      releaseLocal = await takeTurn(
        localQueue(this.client, this.path),
        signals.length ? AbortSignal.any(signals) : undefined,
      );
    } catch (e) {
      if (options.signal?.aborted) throw e;
      throw new AcquireTimeoutError(this.path, t ?? 0);
    }
    try {
      const held = await this.client.contend(this.path, {
        lockName: LOCK_NAME,
        data: this.data,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(deadline === undefined ? {} : { timeoutMs: Math.max(0, deadline - Date.now()) }),
      });
      const lease = makeLease(this.path, held, this.client.holdSignal(), releaseLocal);
      const onRevoke = options.onRevoke;
      if (onRevoke) watchForRevocation(this.client, lease.nodePath, () => onRevoke(lease));
      return lease;
    } catch (e) {
      releaseLocal();
      throw e;
    }
  }

  /** Everyone on the lock, in line: the first holds, the others wait. */
  participants(): Promise<Participant[]> {
    return participants(this.client, this.path, [LOCK_NAME]);
  }

  /** Takes the lock only if no one holds it or waits for it here or elsewhere; never waits. */
  async tryAcquire(): Promise<Lease | undefined> {
    const queue = localQueue(this.client, this.path);
    if (queue.isLocked()) return undefined;
    try {
      return await this.acquire({ timeoutMs: 0 });
    } catch (e) {
      if (e instanceof AcquireTimeoutError) return undefined;
      throw e;
    }
  }
}

/**
 * Runs `fn` while holding the lock at `path`, and releases it whatever happens. `fn` gets the
 * lease: pass `lease.fencingToken` to what you write, and stop when `lease.signal` aborts.
 *
 * @example
 * await withLock(client, '/locks/report', async (lease) => {
 *   await storage.write(report, { fencingToken: lease.fencingToken, signal: lease.signal });
 * }, { timeoutMs: 30_000 });
 */
export async function withLock<T>(
  client: ZkClient,
  path: string,
  fn: (lease: Lease) => Promise<T> | T,
  options: AcquireOptions & MutexOptions = {},
): Promise<T> {
  if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'fn must be a function');
  const lease = await new Mutex(client, path, options).acquire(options);
  try {
    return await fn(lease);
  } finally {
    await lease.release();
  }
}
