/**
 * Curator's InterProcessSemaphoreV2: leases out of `maxLeases` on `<path>`, laid out as
 * `<path>/locks/_c_<uuid>-lock-<seq>` (an inner mutex that serializes lease creation) and
 * `<path>/leases/_c_<uuid>-lease-<seq>` (one node per lease). An acquirer takes the inner
 * mutex, creates its lease node, and waits until the leases number at most maxLeases (watching
 * the list: only the one acquirer holding the inner mutex waits, so no herd); then it releases
 * the inner mutex. Java services using Curator share the same semaphore.
 */
import {
  AcquireTimeoutError,
  InvalidArgumentError,
  SessionExpiredError,
  validatePath,
  type WatchEvent,
  type ZkClient,
} from '@zk-recipes/core';
import { heldNode, makeLease, type Lease } from './lease.js';
import { participants, type Participant } from './participants.js';
import { localAddress, Mutex, type AcquireOptions, type MutexOptions } from './mutex.js';

const LEASE_NAME = 'lease-';

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException('aborted', 'AbortError');
}

/** Waits for the next watch event, the deadline or the signal. */
function nextEvent(
  events: WatchEvent[],
  wake: { fn?: () => void },
  deadline: number,
  signal?: AbortSignal,
) {
  return new Promise<'event' | 'timeout'>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    if (events.length > 0) return resolve('event');
    const ms = deadline - Date.now();
    const timer =
      ms === Infinity
        ? undefined
        : setTimeout(() => done(() => resolve('timeout')), Math.max(0, ms));
    const onAbort = () => done(() => reject(abortError(signal!)));
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (then: () => void) => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      wake.fn = undefined;
      then();
    };
    wake.fn = () => done(() => resolve('event'));
  });
}

export interface SemaphoreOptions extends MutexOptions {
  /** How many leases can be held at once. */
  maxLeases: number;
}

/**
 * A distributed counting semaphore.
 *
 * @example
 * const workers = new Semaphore(client, '/semaphores/exports', { maxLeases: 3 });
 * await using lease = await workers.acquire({ timeoutMs: 60_000 });
 */
export class Semaphore {
  readonly maxLeases: number;
  private readonly inner: Mutex;
  private readonly data: Buffer | string;

  constructor(
    readonly client: ZkClient,
    readonly path: string,
    options: SemaphoreOptions,
  ) {
    validatePath(path);
    const n = options?.maxLeases;
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError('maxLeases', 'maxLeases must be an integer >= 1');
    this.maxLeases = n;
    this.data = options.data ?? localAddress(); // as Curator: the framework's default data
    this.inner = new Mutex(client, `${path === '/' ? '' : path}/locks`, options);
  }

  /** Waits for a lease. Rejects with the signal's reason or AcquireTimeoutError, leaving no node. */
  async acquire(options: AcquireOptions = {}): Promise<Lease> {
    const t = options.timeoutMs;
    const deadline = t === undefined ? Infinity : Date.now() + t;
    const inner = await this.inner.acquire(options);
    const leases = `${this.path === '/' ? '' : this.path}/leases`;
    let nodePath: string | undefined;
    try {
      const made = await this.client.create(`${leases}/${LEASE_NAME}`, this.data, {
        mode: 'EPHEMERAL_SEQUENTIAL',
        protected: true,
        createParents: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      nodePath = made.path;
      const ours = made.path.slice(leases.length + 1);
      const events: WatchEvent[] = [];
      const wake: { fn?: () => void } = {};
      for (;;) {
        events.length = 0;
        const { children } = await this.client.getChildren(leases, {
          watch: (e) => {
            events.push(e);
            wake.fn?.();
          },
        });
        if (!children.includes(ours))
          throw new SessionExpiredError('the lease node is gone', { path: made.path });
        if (children.length <= this.maxLeases) {
          // The listing's watch is no longer wanted: leave nothing on the server.
          if (events.length === 0) {
            await this.client.removeWatches(leases, { type: 'children' }).catch(() => undefined);
          }
          break;
        }
        if ((await nextEvent(events, wake, deadline, options.signal)) === 'timeout') {
          throw new AcquireTimeoutError(this.path, t ?? 0);
        }
        if (events.some((e) => e.type === 'SessionLost')) {
          throw new SessionExpiredError('the session ended while waiting', { path: made.path });
        }
      }
      const leasePath = made.path;
      const held = heldNode(this.client, leasePath, made.stat);
      return makeLease(this.path, held, this.client.holdSignal(), () => undefined);
    } catch (e) {
      // Never leave a lease behind an aborted or failed acquire (CURATOR-315, CURATOR-462).
      if (nodePath !== undefined) {
        await this.client.delete(nodePath, { guaranteed: true }).catch(() => undefined);
      }
      throw e;
    } finally {
      await inner.release();
    }
  }

  /** The lease holders, in creation order (the first maxLeases hold, any others wait). */
  participants(): Promise<Participant[]> {
    return participants(this.client, `${this.path === '/' ? '' : this.path}/leases`, [LEASE_NAME]);
  }

  /** Takes a lease only if one is free now; never waits for one. */
  async tryAcquire(): Promise<Lease | undefined> {
    try {
      return await this.acquire({ timeoutMs: 0 });
    } catch (e) {
      if (e instanceof AcquireTimeoutError) return undefined;
      throw e;
    }
  }
}

/**
 * Curator's InterProcessSemaphoreMutex: a semaphore of one lease. Unlike Mutex it does not
 * queue acquirers of this process locally, and a holder cannot take it again (not re-entrant).
 */
export class SemaphoreMutex extends Semaphore {
  constructor(client: ZkClient, path: string, options: MutexOptions = {}) {
    super(client, path, { ...options, maxLeases: 1 });
  }
}
