import type { SessionInfo } from './connection.js';
import { createArgs, type CreateOptions, type CreateResult } from './create.js';
import { toAcls, toBuffer, toVersion } from './convert.js';
import { checkAcls } from './driver/acls.js';
import { OpCode } from './driver/opcodes.js';
import * as ops from './driver/ops.js';
import type { RawSession } from './driver/raw-session.js';
import * as requests from './driver/requests.js';
import { InvalidArgumentError, ServerTooOldError } from './errors.js';
import {
  AcquireTimeoutError,
  contend,
  type ContendOptions,
  type HeldNode,
} from './framework/contender.js';
import { Deadline } from './kit/deadline.js';
import { deleteNode, type FrameworkDelete } from './framework/delete-node.js';
import {
  checkPacket,
  createNode,
  ensurePath,
  providerAcls,
  type FrameworkCreate,
} from './framework/nodes.js';
import { channels, publish } from './framework/observability.js';
import { withRetry, type RetryPolicy } from './framework/retry.js';
import { fromWireResults, toWireOps, type MultiOp, type MultiResult } from './multi.js';
import { Namespace } from './namespace.js';
import { withWatch } from './one-shot-watches.js';
import type { ClientOptions } from './options.js';
import { checkCallOptions } from './validate.js';
import type { PersistentWatchListener, PersistentWatchMode } from './persistent-watches.js';
import { ClientCore } from './client-core.js';
import type { ConnectionState, ErrorPolicy, StateListener } from './states.js';
import type { Acl, RequestOptions, Stat, Watcher } from './types.js';

export type { CreateOptions, CreateResult } from './create.js';
export type { MultiOp, MultiResult } from './multi.js';

/** A persistent watch; `remove()` ends it (idempotent). */
export interface PersistentWatch {
  readonly path: string;
  readonly mode: PersistentWatchMode;
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of calls that may wait: an AbortSignal and a deadline per request. */
export interface CallOptions extends RequestOptions {
  signal?: AbortSignal;
  /**
   * This call's retry policy instead of the client's: `noRetry` where the caller must know of
   * a connection loss itself (a conditional write whose outcome it will check).
   */
  retryPolicy?: RetryPolicy;
}

export interface DeleteOptions extends CallOptions {
  /** -1 (default) matches any version; 0 is a real version. */
  version?: number;
  /** Keep trying in the background until the node is gone when a connection loss leaves it unknown. */
  guaranteed?: boolean;
  /** Delete the node's subtree first. */
  deleteChildren?: boolean;
}

const EMPTY = Buffer.alloc(0);
/** The options of a call given none (one object for all: a default `{}` is made per call). */
const NO_OPTIONS = Object.freeze({});

/** A rejected promise with what a synchronous check threw (always one of our errors). */
function rejected(e: unknown): Promise<never> {
  return Promise.reject(e instanceof Error ? e : new Error(String(e)));
}

/**
 * A ZooKeeper client with Curator's connection states, a new session after LOST, a deadline
 * on every request, retries by policy, namespaces, and node-zookeeper-client's defects
 * compensated. Create it with {@link createClient}; `usingNamespace()` gives views that share
 * its connection.
 */
export class ZkClient {
  private readonly ns: Namespace;

  /** @internal use {@link createClient} or {@link ZkClient.usingNamespace} */
  constructor(
    private readonly s: ClientCore,
    namespace: string | undefined,
  ) {
    this.ns = new Namespace(namespace);
  }

  /** This view's namespace (`app/sub`), or undefined. */
  get namespace(): string | undefined {
    return this.ns.root?.slice(1);
  }

  /**
   * A view of this client whose paths live under `/<namespace>` (undefined: no namespace). It
   * shares the connection, session and lifecycle: closing any view closes the client.
   */
  usingNamespace(namespace: string | undefined): ZkClient {
    return new ZkClient(this.s, namespace);
  }

  get connectString(): string {
    return this.s.connectString;
  }

  get errorPolicy(): ErrorPolicy {
    return this.s.connection.errorPolicy;
  }

  /** The present connection state; `LATENT` before start(). */
  get state(): ConnectionState | 'LATENT' {
    return this.s.connection.state;
  }

  /** The current session's id, signal and negotiated timeout (undefined before the first connect). */
  get session(): SessionInfo | undefined {
    return this.s.connection.session;
  }

  /** Listens to every state transition, in order, each once. Returns a function that unsubscribes. */
  onStateChange(listener: StateListener): () => void {
    this.s.connection.on('state', listener);
    return () => this.s.connection.off('state', listener);
  }

  /** Aborts when what this session holds may be lost, per the error policy (see connection-states.md). */
  holdSignal(): AbortSignal {
    return this.s.connection.holdSignal();
  }

  /** Whether entering `state` means what the session holds may be lost, under this client's policy. */
  isHoldingLost(state: ConnectionState): boolean {
    return this.s.connection.isHoldingLost(state);
  }

  /** The session id and password (for tests that expire the session on the server). */
  sessionCredentials(): { sessionId: bigint; password: Buffer } {
    const raw = this.s.raw();
    return { sessionId: raw.sessionId, password: raw.sessionPassword };
  }

  /** `host:port` of the server the connection is on now; undefined while disconnected. */
  get connectedServer(): string | undefined {
    return this.s.connection.raw?.connectedServer;
  }

  /** The version of the server the session is on (`3.8.0`), once known after connect. */
  get serverVersion(): string | undefined {
    return this.s.connection.raw?.serverVersion;
  }

  /** Guaranteed deletes and abandoned protected creates still waiting to be done. */
  get pendingBackgroundJobs(): number {
    return this.s.background.size;
  }

  /**
   * Connects and resolves on the first CONNECTED. Rejects with ConnectTimeoutError naming the
   * connect string when no server answers within `timeoutMs` (default: `connectionTimeoutMs`),
   * or with the signal's reason; the client is closed then.
   */
  start(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    return this.s.start(options);
  }

  /** Closes the session (its ephemeral nodes go at once). Idempotent; never rejects. */
  close(): Promise<void> {
    return this.s.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Runs `run`, publishing it on the operation channel when someone listens. */
  private traced<T>(op: string, path: string, run: () => Promise<T>): Promise<T> {
    if (!channels.operation.hasSubscribers) return run();
    const began = performance.now();
    const report = (error?: unknown) =>
      publish('operation', {
        op,
        path,
        durationMs: performance.now() - began,
        ...(error === undefined ? {} : { error }),
      });
    return run().then(
      (v) => {
        report();
        return v;
      },
      (e: unknown) => {
        report(e);
        throw e;
      },
    );
  }

  /** Runs a request under the retry policy. */
  private retry<T>(
    operation: string,
    path: string,
    options: CallOptions,
    run: (raw: RawSession) => Promise<T>,
  ) {
    const { signal } = options;
    return this.traced(operation, path, () =>
      withRetry(() => run(this.s.raw()), {
        policy: options.retryPolicy ?? this.s.retryPolicy,
        operation,
        path,
        ...(signal ? { signal } : {}),
      }),
    );
  }

  private requireServer(operation: string, required: string, raw: RawSession): void {
    if (!raw.serverAtLeast(required))
      throw new ServerTooOldError(operation, required, raw.serverVersion!);
  }

  // ---- operations -----------------------------------------------------------------------

  /**
   * Creates a node in any mode (containers and TTL nodes included) and returns the path the
   * server gave it (sequential names differ) with its Stat. Options: createParents (as
   * containers), protected (Curator's protection mode), acl (else the ACL provider's).
   * Retried on connection loss, except an unprotected sequential create (a repeat could make a
   * second node). Sent as create2/createContainer/createTTL: node-zookeeper-client alone returns
   * no Stat and silently makes a container a plain persistent node (docs/low-level-client.md,
   * "Missing operations").
   */
  create(
    path: string,
    data?: Buffer | string,
    options: CreateOptions = NO_OPTIONS,
  ): Promise<CreateResult> {
    // Not async, and without a closure or a spread on the way: this runs thousands of times a
    // second under load (bench/core-vs-raw.mjs). Bad arguments still reject, never throw.
    let serverPath: string;
    let o: FrameworkCreate & { minServer: string };
    try {
      o = createArgs(path, data, options);
      serverPath = this.ns.toServer(path, o.mode.includes('SEQUENTIAL'), options);
      const raw = this.s.raw();
      if (!raw.serverAtLeast(o.minServer)) {
        throw new ServerTooOldError(`create (${o.mode})`, o.minServer, raw.serverVersion!);
      }
    } catch (e) {
      return rejected(e);
    }
    if (this.ns.root !== undefined) return this.createInNamespace(serverPath, o);
    if (!channels.operation.hasSubscribers) return createNode(this.s, serverPath, o);
    return this.traced('create', serverPath, () => createNode(this.s, serverPath, o));
  }

  private async createInNamespace(serverPath: string, o: FrameworkCreate): Promise<CreateResult> {
    await this.ns.ensure(this.s, o.signal);
    const r = await this.traced('create', serverPath, () => createNode(this.s, serverPath, o));
    return { path: this.ns.fromServer(r.path), stat: r.stat };
  }

  /** Makes sure `path` and its ancestors exist (as containers where the server can). */
  async ensurePath(path: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const serverPath = this.ns.toServer(path, false, options);
    await this.ns.ensure(this.s, options.signal);
    await ensurePath(this.s, serverPath, options.signal);
  }

  /** Deletes a node: optionally its children first, optionally guaranteed (see {@link DeleteOptions}). */
  delete(path: string, options: DeleteOptions = NO_OPTIONS): Promise<void> {
    let serverPath: string;
    let o: FrameworkDelete;
    try {
      serverPath = this.ns.toServer(path, false, options);
      o = {
        version: toVersion(options.version),
        guaranteed: options.guaranteed === true,
        deleteChildren: options.deleteChildren === true,
        timeoutMs: options.requestTimeoutMs,
        signal: options.signal,
        retryPolicy: options.retryPolicy,
      };
    } catch (e) {
      return rejected(e);
    }
    // As create: not async, nothing traced unless someone listens.
    if (!channels.operation.hasSubscribers) return deleteNode(this.s, serverPath, o);
    return this.traced('delete', serverPath, () => deleteNode(this.s, serverPath, o));
  }

  /** The node's Stat, or null when it does not exist. A watch fires on create, delete or change. */
  async exists(
    path: string,
    options: CallOptions & { watch?: Watcher } = {},
  ): Promise<Stat | null> {
    const p = this.ns.toServer(path, false, options);
    const watch = this.ns.mapWatch(options.watch);
    const stat = await this.retry('exists', p, options, (raw) => {
      const w = this.s.watches.arm(raw, p, watch, 'data');
      return withWatch(w, () => ops.exists(raw, p, w?.fn, options.requestTimeoutMs));
    });
    return stat;
  }

  /** The node's data (an empty Buffer for a node without data) and Stat. */
  async getData(
    path: string,
    options: CallOptions & { watch?: Watcher } = {},
  ): Promise<{ data: Buffer; stat: Stat }> {
    const p = this.ns.toServer(path, false, options);
    const watch = this.ns.mapWatch(options.watch);
    const r = await this.retry('getData', p, options, (raw) => {
      const w = this.s.watches.arm(raw, p, watch, 'data');
      return withWatch(w, () => ops.getData(raw, p, w?.fn, options.requestTimeoutMs));
    });
    return { data: r.data ?? EMPTY, stat: r.stat };
  }

  /** Sets the node's data (empty data included); `version` -1 (default) matches any. */
  async setData(
    path: string,
    data: Buffer | string,
    options: CallOptions & { version?: number } = {},
  ): Promise<Stat> {
    const p = this.ns.toServer(path, false, options);
    // setData(path, null) throws TypeError in the package (upstream #94): always a Buffer.
    const buf = toBuffer(data);
    checkPacket(this.s, p, buf.length);
    const version = toVersion(options.version);
    return this.retry('setData', p, options, (raw) =>
      ops.setData(raw, p, buf, version, options.requestTimeoutMs),
    );
  }

  /** The node's children (unsorted, as the server lists them) and its Stat. */
  async getChildren(
    path: string,
    options: CallOptions & { watch?: Watcher } = {},
  ): Promise<{ children: string[]; stat: Stat }> {
    const p = this.ns.toServer(path, false, options);
    const watch = this.ns.mapWatch(options.watch);
    const r = await this.retry('getChildren', p, options, (raw) => {
      const w = this.s.watches.arm(raw, p, watch, 'children');
      return withWatch(w, () => ops.getChildren(raw, p, w?.fn, options.requestTimeoutMs));
    });
    return { children: r.children, stat: r.stat };
  }

  async getACL(path: string, options: CallOptions = {}): Promise<{ acl: Acl[]; stat: Stat }> {
    const p = this.ns.toServer(path, false, options);
    return this.retry('getACL', p, options, (raw) => ops.getACL(raw, p, options.requestTimeoutMs));
  }

  async setACL(
    path: string,
    acl: readonly Acl[],
    options: CallOptions & { version?: number } = {},
  ): Promise<Stat> {
    const p = this.ns.toServer(path, false, options);
    const acls = toAcls(acl);
    const version = toVersion(options.version);
    return this.retry('setACL', p, options, (raw) =>
      ops.setACL(raw, p, acls, version, options.requestTimeoutMs),
    );
  }

  /** Waits until the server this session is on has caught up with the leader (ZooKeeper sync). */
  async sync(path: string, options: CallOptions = {}): Promise<void> {
    const p = this.ns.toServer(path, false, options);
    await this.retry('sync', p, options, (raw) => requests.sync(raw, p, options.requestTimeoutMs));
  }

  /**
   * Runs the operations as one transaction: all are applied or none. Versions are used exactly
   * as given (0 is a version; -1 matches any). A failed transaction rejects with the typed error
   * of the operation that failed. Not retried (it may create nodes); creates take the ACL
   * provider's ACL when they give none.
   */
  async multi(ops_: readonly MultiOp[], options: RequestOptions = {}): Promise<MultiResult[]> {
    checkCallOptions(options);
    const wire = toWireOps(ops_).map((op) => {
      const path = this.ns.toServer(op.path, op.type === OpCode.create && (op.mode ?? 0) >= 2);
      if (op.data) checkPacket(this.s, path, op.data.length);
      let acls = op.acls;
      if (op.type === OpCode.create && acls === undefined) {
        acls = providerAcls(this.s.aclProvider, path);
        checkAcls(acls); // refused here, before anything is sent, as the caller's own are
      }
      return { ...op, path, ...(acls ? { acls } : {}) };
    });
    await this.ns.ensure(this.s);
    const results = fromWireResults(
      await requests.multi(this.s.raw(), wire, options.requestTimeoutMs),
    );
    return results.map((r) => (r.op === 'create' ? { ...r, path: this.ns.fromServer(r.path) } : r));
  }

  /**
   * Adds a persistent (or persistent recursive) watch: the listener hears every change until
   * the watch is removed, across reconnects and new sessions (after which it gets `Resync`:
   * read again, events may have been missed). Needs ZooKeeper 3.6+.
   */
  async addWatch(
    path: string,
    listener: PersistentWatchListener,
    options: RequestOptions & { mode?: PersistentWatchMode } = {},
  ): Promise<PersistentWatch> {
    const p = this.ns.toServer(path, false, options);
    const mode = options.mode ?? 'persistent';
    if (mode !== 'persistent' && mode !== 'persistentRecursive') {
      throw new InvalidArgumentError('mode', 'mode must be persistent or persistentRecursive');
    }
    if (typeof listener !== 'function')
      throw new InvalidArgumentError('listener', 'listener must be a function');
    const mapped: PersistentWatchListener =
      this.ns.root === undefined
        ? listener
        : (e) => listener({ ...e, path: this.ns.fromServer(e.path) });
    const raw = this.s.raw();
    this.requireServer('addWatch', '3.6.0', raw);
    await this.s.persistent.watch(raw, p, mode, mapped, options.requestTimeoutMs);
    let removed: Promise<void> | undefined;
    const remove = () =>
      (removed ??= this.s.closePromise
        ? Promise.resolve()
        : this.s.persistent.unwatch(this.s.raw(), p, mode, mapped));
    return { path, mode, remove, [Symbol.asyncDispose]: remove };
  }

  /**
   * Removes this session's one-shot watches on `path` (`data` covers getData and exists
   * watches), on the server and for good: they are not re-armed on reconnect. Each removed
   * watcher hears `WatchRemoved`, once. Rejects with NoWatcherError when there was none.
   */
  async removeWatches(
    path: string,
    options: RequestOptions & { type?: 'data' | 'children' | 'any' } = {},
  ): Promise<void> {
    const p = this.ns.toServer(path, false, options);
    const type = options.type ?? 'any';
    if (!['data', 'children', 'any'].includes(type)) {
      throw new InvalidArgumentError('type', 'type must be data, children or any');
    }
    const raw = this.s.raw();
    this.requireServer('removeWatches', '3.5.0', raw);
    await this.s.watches.remove(raw, p, type, options.requestTimeoutMs);
  }

  /**
   * The contender primitive every recipe is made of: creates a protected ephemeral-sequential
   * node under `path` and resolves once `options.driver` says it holds (default: first in line,
   * a mutex). Waits with a getData watch on one predecessor, so one deletion wakes one
   * contender. On abort, timeout or error its node is deleted before the promise rejects.
   * `nodePath` is in this view's namespace; `fencingToken` is the node's czxid.
   */
  async contend(path: string, options: ContendOptions): Promise<HeldNode> {
    const p = this.ns.toServer(path); // its options are a wait's: checked by Deadline.of below
    checkCallOptions({ signal: options?.signal });
    if (
      typeof options?.lockName !== 'string' ||
      options.lockName.length === 0 ||
      options.lockName.includes('/')
    ) {
      throw new InvalidArgumentError('lockName', 'lockName must be a non-empty name without "/"');
    }
    const deadline = options.deadline ?? Deadline.of(options);
    await this.ns.ensure(this.s, deadline.signal);
    try {
      const c = await contend(this.s, p, { ...options, deadline });
      return { ...c, nodePath: this.ns.fromServer(c.nodePath) };
    } catch (e) {
      // The caller's path, not the server's (a namespace differs).
      if (e instanceof AcquireTimeoutError) throw new AcquireTimeoutError(path, e.timeoutMs);
      throw e;
    }
  }

  /** Adds credentials now and for every later connection and session. */
  addAuthInfo(scheme: string, credentials: Buffer | string): void {
    if (typeof scheme !== 'string' || scheme.length === 0) {
      throw new InvalidArgumentError('scheme', 'scheme must be a non-empty string');
    }
    const auth = toBuffer(credentials, 'credentials');
    this.s.auth.push({ scheme, auth });
    this.s.connection.raw?.addAuthInfo(scheme, auth);
  }
}

/**
 * Creates a client. Options are validated (zod); a bad one throws InvalidArgumentError naming
 * the field. Nothing connects until `start()`.
 *
 * @example
 * await using client = createClient({ connectString: '127.0.0.1:2181', namespace: 'my-app' });
 * await client.start({ timeoutMs: 10_000 });
 * client.onStateChange(({ state }) => console.log(state));
 */
export function createClient(options: ClientOptions): ZkClient {
  const shared = new ClientCore(options);
  return new ZkClient(shared, shared.namespace);
}
