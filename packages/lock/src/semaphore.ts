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
  type HeldNode,
  type ZkClient,
} from '@zk-recipes/core';
import { childPath, Deadline, heldNode, waitForChildren } from '@zk-recipes/core/recipe';
import { makeLease, type Lease } from './lease.js';
import { participants, type Participant } from './participants.js';
import { localAddress, Mutex, type AcquireOptions, type MutexOptions } from './mutex.js';
import { holding } from './scoped.js';

const LEASE_NAME = 'lease-';

export interface SemaphoreAcquireOptions extends AcquireOptions {
  /** How many leases to take at once (1 to maxLeases); one lease holds them all. Default 1. */
  quantity?: number;
}

/** The leases of one acquire as one node: the newest's token, every node released together. */
function together(nodes: readonly HeldNode[]): HeldNode {
  if (nodes.length === 1) return nodes[0]!;
  const newest = nodes[nodes.length - 1]!;
  return {
    ...newest,
    nodePath: nodes[0]!.nodePath,
    release: async () => {
      await Promise.all(nodes.map((n) => n.release()));
    },
  };
}

/** Options of a {@link Semaphore}: how many leases it has. */
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
  /** Leases taken through this object and not yet released. */
  private held = 0;

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
    this.inner = new Mutex(client, childPath(path, 'locks'), options);
  }

  /**
   * Waits for a lease (`quantity` leases at once, held and released together, as Curator's
   * `acquire(qty)`). Rejects with the signal's reason or AcquireTimeoutError, leaving no node.
   */
  async acquire(options: SemaphoreAcquireOptions = {}): Promise<Lease> {
    Deadline.of(options); // checked before anything is sent
    const quantity = options.quantity ?? 1;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > this.maxLeases) {
      throw new InvalidArgumentError(
        'quantity',
        `quantity must be an integer from 1 to maxLeases (${this.maxLeases})`,
      );
    }
    // Bounded as a whole, the lease nodes' creates and the wait's reads too (ADR 0031): the
    // inner mutex alone was, so ZooKeeper going away after its grant held the acquire until
    // the session ended.
    return Deadline.run(
      options,
      (ms) => new AcquireTimeoutError(this.path, ms),
      (deadline) => this.acquireWithin(deadline, quantity),
    );
  }

  private async acquireWithin(deadline: Deadline, quantity: number): Promise<Lease> {
    const inner = await this.inner.acquire(deadline.toOptions()).catch((e: unknown) => {
      // The semaphore's path, not its inner mutex's.
      if (e instanceof AcquireTimeoutError) throw this.timedOut(deadline);
      throw e;
    });
    const leases = childPath(this.path, 'leases');
    const made: HeldNode[] = [];
    try {
      while (made.length < quantity) {
        const node = await this.client.create(`${leases}/${LEASE_NAME}`, this.data, {
          mode: 'EPHEMERAL_SEQUENTIAL',
          protected: true,
          createParents: true,
          ...(deadline.signal ? { signal: deadline.signal } : {}),
        });
        made.push(heldNode(this.client, node.path, node.stat));
      }
      const ours = made.map((n) => n.nodePath.slice(leases.length + 1));
      const free = await waitForChildren(
        this.client,
        leases,
        (children) => {
          if (!ours.every((n) => children.includes(n)))
            throw new SessionExpiredError('a lease node is gone', { path: leases });
          return children.length <= this.maxLeases;
        },
        deadline,
      );
      if (free === undefined) throw this.timedOut(deadline);
      this.held++;
      return makeLease(
        this.client,
        this.path,
        together(made),
        this.client.holdSignal(),
        () => this.held--,
      );
    } catch (e) {
      // Never leave a lease behind an aborted or failed acquire (CURATOR-315, CURATOR-462):
      // deleted now, or in the background, or with its session (the release's bound applies).
      await Promise.all(made.map((n) => n.release().catch(() => undefined)));
      throw e;
    } finally {
      await inner.release();
    }
  }

  /**
   * Runs `fn` while holding a lease (or `quantity` leases), and releases it whatever happens.
   *
   * @example
   * await workers.withLease(() => exportTable('orders'), { timeoutMs: 60_000 });
   */
  withLease<T>(
    fn: (lease: Lease) => Promise<T> | T,
    options: SemaphoreAcquireOptions = {},
  ): Promise<T> {
    return holding(() => this.acquire(options), fn);
  }

  /** Whether a lease taken through this object is held now (Curator's isAcquiredInThisProcess). */
  isAcquiredInThisProcess(): boolean {
    return this.held > 0;
  }

  private timedOut(deadline: Deadline): AcquireTimeoutError {
    return new AcquireTimeoutError(this.path, deadline.timeoutMs ?? 0);
  }

  /** The lease holders, in creation order (the first maxLeases hold, any others wait). */
  participants(): Promise<Participant[]> {
    return participants(this.client, childPath(this.path, 'leases'), [LEASE_NAME]);
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
