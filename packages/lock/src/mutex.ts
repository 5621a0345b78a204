import {
  AcquireTimeoutError,
  InvalidArgumentError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import {
  Deadline,
  DEFAULT_WATCH_AHEAD,
  leaseDriver,
  localAddress,
  type ContenderDriver,
} from '@zk-recipes/core/recipe';
import { handOn, HeldLock } from './held-lock.js';
import { leaseOf, MAX_LOCAL_HANDOFFS, type Lease } from './lease.js';
import { localLine, type LocalLine } from './local-line.js';
import { participants, type Participant } from './participants.js';
import {
  heldInScope,
  NestedAcquireError,
  nestedLease,
  runInScope,
  type Scoped,
} from './reentrancy.js';

/** Curator's InterProcessMutex lock name: nodes are `_c_<uuid>-lock-<seq>`. */
export const LOCK_NAME = 'lock-';

/** The default of `maxLocalHandoffs`. */
export const DEFAULT_MAX_LOCAL_HANDOFFS = 64;

/** Options of a {@link Mutex}. */
export interface MutexOptions {
  /** The lock node's data. Default: this host's IP address, as Curator writes it. */
  data?: Buffer | string;
  /**
   * Re-entrant: inside the callback of this mutex's `withLock`, a nested acquire of the same
   * client and path (`acquire`, `tryAcquire`, `withLock`) resolves at once to a lease on the
   * same node; releasing it leaves the node held, the outer release frees it. Concurrent async
   * chains started elsewhere are not inside. Default false: a nested acquire inside the
   * callback, while its lease is held, rejects with NestedAcquireError rather than wait for
   * ever. See docs/recipes/lock.md.
   */
  reentrant?: boolean;
  /**
   * How many times in a row a node of this process may be handed to the next local waiter
   * without a request (0 turns hand-offs off; at most 65,535). A waiter in another process
   * waits for at most `maxLocalHandoffs + 1` local holders of the node ahead of it. Set by the
   * acquire that creates the node. Default 64.
   */
  maxLocalHandoffs?: number;
  /**
   * How many of the nodes just ahead of it a waiting node watches (1 to 64). A waiter that
   * watches every node ahead of it holds when the last of them is deleted, without listing the
   * children again; a waiter further back lists again as soon as the first of them goes, long
   * before its turn. Each deletion notifies at most this many waiters, and only one of them
   * goes on. 1 watches the predecessor alone, as Curator's waiters do. Default 2.
   */
  watchAhead?: number;
}

/** Options of one `acquire()`. */
export interface AcquireOptions {
  signal?: AbortSignal;
  /** How long to wait for the lock, in ms; 0 takes it only if it is free now. Default: no limit. */
  timeoutMs?: number;

  /**
   * Called (once) when someone asks for the lock back with requestRevoke() (Curator's
   * `__REVOKE__` message). Cooperative: release when it suits you. A revocation request also
   * ends local hand-offs of the node: its next holder comes through ZooKeeper.
   */
  onRevoke?: (lease: Lease) => void;
}

/** The most nodes ahead a waiter may watch: each is a watch on the server. */
export const MAX_WATCH_AHEAD = 64;

function checkOptions(options: MutexOptions): void {
  const k = options.watchAhead;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= MAX_WATCH_AHEAD)) {
    throw new InvalidArgumentError(
      'watchAhead',
      `watchAhead must be an integer from 1 to ${MAX_WATCH_AHEAD}`,
    );
  }
  const r: unknown = options.reentrant;
  if (r !== undefined && typeof r !== 'boolean') {
    throw new InvalidArgumentError('reentrant', 'reentrant must be a boolean');
  }
  const n = options.maxLocalHandoffs;
  if (n !== undefined && !(Number.isInteger(n) && n >= 0 && n <= MAX_LOCAL_HANDOFFS)) {
    throw new InvalidArgumentError(
      'maxLocalHandoffs',
      `maxLocalHandoffs must be an integer from 0 to ${MAX_LOCAL_HANDOFFS}`,
    );
  }
}

/** The acquire's deadline, made once from its options (validated). */
function checkAcquire(options: AcquireOptions): Deadline {
  const deadline = Deadline.of(options);
  if (options.onRevoke !== undefined && typeof options.onRevoke !== 'function') {
    throw new InvalidArgumentError('onRevoke', 'onRevoke must be a function');
  }
  return deadline;
}

/** Curator's default node data (the kit's; re-exported for the lock's other recipes). */
export { localAddress };

const watchJoinsOf = (node: HeldLock | undefined) => node?.watchJoins();

/**
 * A distributed mutex: Curator's InterProcessMutex protocol, so Java services using Curator and
 * TypeScript services using this class exclude each other on the same path. Acquirers in one
 * process queue locally and, while no other process waits, hand the node to each other without
 * a request (bounded by `maxLocalHandoffs`).
 *
 * @example
 * const mutex = new Mutex(client, '/locks/billing');
 * await using lease = await mutex.acquire({ timeoutMs: 10_000 });
 * await chargeCustomers({ fencingToken: lease.fencingToken, signal: lease.signal });
 */
export class Mutex {
  readonly reentrant: boolean;
  readonly maxLocalHandoffs: number;
  readonly watchAhead: number;
  private readonly data: Buffer;
  private readonly driver: ContenderDriver | undefined;
  private readonly line: LocalLine<HeldLock>;

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
    checkOptions(options);
    this.data = typeof d === 'string' ? Buffer.from(d) : Buffer.from(d);
    this.reentrant = options.reentrant === true;
    this.maxLocalHandoffs = options.maxLocalHandoffs ?? DEFAULT_MAX_LOCAL_HANDOFFS;
    this.watchAhead = options.watchAhead ?? DEFAULT_WATCH_AHEAD;
    // The default is the contender's own driver: made once per process, not per Mutex.
    this.driver =
      this.watchAhead === DEFAULT_WATCH_AHEAD ? undefined : leaseDriver(1, this.watchAhead);
    this.line = localLine<HeldLock>(client, path);
    // Someone waits behind a held node: from now on its holder must hear of other processes'
    // contenders, so that a hand-off never passes over them unbounded.
    this.line.onWait = watchJoinsOf;
  }

  /**
   * Waits for the lock and resolves to a lease. Rejects with the signal's reason or
   * AcquireTimeoutError (with nothing left behind), SessionExpiredError (the session ended while
   * waiting), ClientClosedError (the client closed), NestedAcquireError (inside this mutex's
   * own withLock callback, not re-entrant), RetriesExhaustedError (the client's retry policy
   * gave up on a request) or a server's error that retrying cannot cure (NoAuthError).
   */
  async acquire(options: AcquireOptions = {}): Promise<Lease> {
    return (await this.take(options)).lease;
  }

  /**
   * Runs `fn` while holding the lock, and releases it whatever happens. With `reentrant`, a
   * nested acquire of this client and path inside `fn` (its whole async call chain) re-enters.
   *
   * @example
   * const mutex = new Mutex(client, '/locks/ledger', { reentrant: true });
   * await mutex.withLock(async (lease) => {
   *   await mutex.withLock(() => post(entry)); // nested: granted at once, same node
   *   await flush({ fencingToken: lease.fencingToken });
   * });
   */
  async withLock<T>(
    fn: (lease: Lease) => Promise<T> | T,
    options: AcquireOptions = {},
  ): Promise<T> {
    if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'fn must be a function');
    const held = await this.take(options);
    try {
      const run = () => fn(held.lease);
      // Every withLock's callback carries its lease: a nested acquire re-enters it, or, not
      // re-entrant, is refused instead of waiting for it for ever.
      return await (heldInScope(this.line) ? run() : runInScope(this.line, held, run));
    } finally {
      await held.lease.release();
    }
  }

  /**
   * Whether this client holds the lock in this process now (Curator's
   * isAcquiredInThisProcess): a lease on it, from any Mutex object of this client and path, is
   * not yet released.
   */
  isAcquiredInThisProcess(): boolean {
    return this.line.node !== undefined;
  }

  /** Everyone on the lock, in line: the first holds, the others wait. */
  participants(): Promise<Participant[]> {
    return participants(this.client, this.path, [LOCK_NAME]);
  }

  /** Takes the lock only if no one holds it or waits for it here or elsewhere; never waits. */
  async tryAcquire(): Promise<Lease | undefined> {
    const reenters = this.reentrant && heldInScope(this.line) !== undefined;
    if (!reenters && this.line.locked) return undefined;
    try {
      return await this.acquire({ timeoutMs: 0 });
    } catch (e) {
      if (e instanceof AcquireTimeoutError) return undefined;
      throw e;
    }
  }

  private async take(options: AcquireOptions): Promise<Scoped> {
    const deadline = checkAcquire(options);
    if (this.reentrant) {
      const outer = heldInScope(this.line);
      if (outer) return { lease: nestedLease(outer, options.onRevoke), node: outer.node };
    } else if (this.line.locked && heldInScope(this.line)) {
      // Only an acquire that would wait looks: the uncontended path never reads the scope.
      throw new NestedAcquireError(this.path);
    }
    const turn = await this.line.take(deadline);
    if (turn === undefined) throw new AcquireTimeoutError(this.path, deadline.timeoutMs ?? 0);
    let node = turn.node;
    if (!node) {
      try {
        const held = await this.client.contend(this.path, {
          lockName: LOCK_NAME,
          data: this.data,
          deadline,
          ...(this.driver ? { driver: this.driver } : {}),
        });
        node = new HeldLock(this.client, this.path, held, this.maxLocalHandoffs);
      } catch (e) {
        this.line.passOn();
        throw e;
      }
      this.line.node = node;
      if (this.line.waiting > 0) node.watchJoins();
    }
    return { lease: this.leaseOn(node, options.onRevoke), node };
  }

  /** A lease on `node`; its release hands the node on or deletes it. */
  private leaseOn(node: HeldLock, onRevoke?: (lease: Lease) => void): Lease {
    let stopRevoke: (() => void) | undefined;
    const free = async () => {
      stopRevoke?.();
      await handOn(this.line, node);
    };
    const lease = leaseOf(
      this.client,
      this.path,
      node.nodePath,
      node.fencingToken,
      node.hold,
      free,
    );
    if (onRevoke) stopRevoke = node.onRevoke(() => onRevoke(lease));
    return lease;
  }
}

/**
 * Runs `fn` while holding the lock at `path`, and releases it whatever happens. `fn` gets the
 * lease: pass `lease.fencingToken` to what you write, and stop when `lease.signal` aborts.
 * Options are a Mutex's and an acquire's (`reentrant: true` makes nested acquires inside `fn`
 * re-enter).
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
  return new Mutex(client, path, options).withLock(fn, options);
}
