import { Connection, type SessionInfo } from './connection.js';
import { createArgs, type CreateOptions, type CreateResult } from './create.js';
import { stripChroot, toBuffer, toNzcAcls, toStat, toVersion } from './convert.js';
import * as ops from './driver/ops.js';
import type { RawSession } from './driver/raw-session.js';
import * as requests from './driver/requests.js';
import {
  ClientClosedError,
  ConnectTimeoutError,
  InvalidArgumentError,
  ServerTooOldError,
} from './errors.js';
import { fromWireResults, toWireOps, type MultiOp, type MultiResult } from './multi.js';
import { OneShotWatches, withWatch } from './one-shot-watches.js';
import { clientOptionsSchema, parseOptions, silentLogger, type ClientOptions } from './options.js';
import { validatePath } from './paths.js';
import {
  PersistentWatches,
  type PersistentWatchListener,
  type PersistentWatchMode,
} from './persistent-watches.js';
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

const EMPTY = Buffer.alloc(0);

/**
 * A ZooKeeper client with Curator's connection states, a new session after LOST, a deadline
 * on every request, and node-zookeeper-client's defects compensated. Create it with
 * {@link createClient}.
 */
export class ZkClient {
  private readonly connection: Connection;
  private readonly watches = new OneShotWatches();
  private readonly persistent = new PersistentWatches();
  private readonly auth: { scheme: string; auth: Buffer }[];
  private readonly chroot: string | undefined;
  private closePromise: Promise<void> | undefined;
  private started = false;
  readonly connectString: string;
  readonly errorPolicy: ErrorPolicy;

  /** @internal use {@link createClient} */
  constructor(options: ClientOptions) {
    const o = parseOptions(clientOptionsSchema, options, 'client options');
    this.connectString = o.connectString;
    this.errorPolicy = o.errorPolicy;
    const slash = o.connectString.indexOf('/');
    this.chroot = slash < 0 ? undefined : o.connectString.slice(slash);
    this.auth = o.auth.map((a) => ({ scheme: a.scheme, auth: toBuffer(a.credentials, 'auth') }));
    this.connection = new Connection({
      connectString: o.connectString,
      sessionTimeoutMs: o.sessionTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs ?? o.sessionTimeoutMs,
      errorPolicy: o.errorPolicy,
      auth: this.auth,
      logger: o.logger ?? silentLogger,
    });
    this.connection.on('state', (c) => {
      if (c.state === 'LOST') this.watches.sessionLost(this.connection.raw);
      const raw = this.connection.raw;
      if (c.state === 'RECONNECTED' && raw && this.persistent.size > 0)
        void this.persistent.rearm(raw);
    });
    this.connection.on('watch', (e) => this.persistent.dispatch(e));
    this.startTimeoutMs = o.connectionTimeoutMs;
  }
  private readonly startTimeoutMs: number;

  /** The present connection state; `LATENT` before start(). */
  get state(): ConnectionState | 'LATENT' {
    return this.connection.state;
  }

  /** The current session's id, signal and negotiated timeout (undefined before the first connect). */
  get session(): SessionInfo | undefined {
    return this.connection.session;
  }

  /** Listens to every state transition, in order, each once. Returns a function that unsubscribes. */
  onStateChange(listener: StateListener): () => void {
    this.connection.on('state', listener);
    return () => this.connection.off('state', listener);
  }

  /** See {@link Connection.holdSignal}: aborts when what this session holds may be lost. */
  holdSignal(): AbortSignal {
    return this.connection.holdSignal();
  }

  /** Whether entering `state` means what the session holds may be lost, under this client's policy. */
  isHoldingLost(state: ConnectionState): boolean {
    return this.connection.isHoldingLost(state);
  }

  /** The session id and password (for tests that expire the session on the server). */
  sessionCredentials(): { sessionId: bigint; password: Buffer } {
    const raw = this.rawSession();
    return { sessionId: raw.sessionId, password: raw.sessionPassword };
  }

  /**
   * Connects and resolves on the first CONNECTED. Rejects with {@link ConnectTimeoutError}
   * naming the connect string when no server answers within `timeoutMs` (default:
   * `connectionTimeoutMs`), or with the signal's reason; the client is closed then.
   */
  async start(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (this.closePromise) throw new ClientClosedError();
    if (this.started) throw new InvalidArgumentError('start', 'start() was already called');
    this.started = true;
    options.signal?.throwIfAborted();
    const timeoutMs = options.timeoutMs ?? this.startTimeoutMs;
    const connected = new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        off();
        options.signal?.removeEventListener('abort', onAbort);
      };
      const off = this.onStateChange((c) => {
        if (c.state === 'CONNECTED') {
          cleanup();
          resolve();
        }
      });
      const timer = setTimeout(() => {
        cleanup();
        reject(new ConnectTimeoutError(this.connectString, timeoutMs));
      }, timeoutMs);
      const onAbort = () => {
        cleanup();
        const reason: unknown = options.signal!.reason;
        reject(
          reason instanceof Error ? reason : new DOMException('start() aborted', 'AbortError'),
        );
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    this.connection.open();
    try {
      await connected;
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Closes the session (its ephemeral nodes go at once). Idempotent; never rejects. */
  close(): Promise<void> {
    this.closePromise ??= this.connection.close();
    return this.closePromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private rawSession(): RawSession {
    if (this.closePromise) throw new ClientClosedError();
    const raw = this.connection.raw;
    if (!raw) throw new InvalidArgumentError('client', 'call start() first');
    return raw;
  }

  /** `host:port` of the server the connection is on now; undefined while disconnected. */
  get connectedServer(): string | undefined {
    const raw = this.connection.raw;
    const socket = raw?.connected ? raw.client.connectionManager.socket : undefined;
    return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : undefined;
  }

  /** The version of the server the session is on (`3.8.0`), once known after connect. */
  get serverVersion(): string | undefined {
    return this.connection.raw?.serverVersion;
  }

  /** Refuses, before sending, an operation the connected server is known to be too old for. */
  private requireServer(operation: string, required: string, raw: RawSession): void {
    if (!raw.serverAtLeast(required))
      throw new ServerTooOldError(operation, required, raw.serverVersion!);
  }

  /**
   * Creates a node in any mode (containers and TTL nodes included) and returns the path the
   * server gave it (sequential names differ) with its Stat. Sent as create2, createContainer or
   * createTTL: node-zookeeper-client alone returns no Stat and silently makes a container a
   * plain persistent node (notes §1).
   */
  async create(
    path: string,
    data?: Buffer | string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    const { args, mode, minServer } = createArgs(path, data, options);
    const raw = this.rawSession();
    this.requireServer(`create (${mode})`, minServer, raw);
    const r = await requests.create2(raw, args, options.timeoutMs);
    return { path: stripChroot(r.path, this.chroot), stat: toStat(r.stat) };
  }

  /** Waits until the server this session is on has caught up with the leader (ZooKeeper sync). */
  async sync(path: string, options: RequestOptions = {}): Promise<void> {
    validatePath(path);
    await requests.sync(this.rawSession(), path, options.timeoutMs);
  }

  /**
   * Runs the operations as one transaction: all are applied or none. Versions are used exactly
   * as given (0 is a version; -1 matches any). A failed transaction rejects with the typed error
   * of the operation that failed.
   */
  async multi(ops: readonly MultiOp[], options: RequestOptions = {}): Promise<MultiResult[]> {
    const wire = toWireOps(ops);
    return fromWireResults(await requests.multi(this.rawSession(), wire, options.timeoutMs));
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
    validatePath(path);
    const mode = options.mode ?? 'persistent';
    if (mode !== 'persistent' && mode !== 'persistentRecursive') {
      throw new InvalidArgumentError('mode', 'mode must be persistent or persistentRecursive');
    }
    if (typeof listener !== 'function')
      throw new InvalidArgumentError('listener', 'listener must be a function');
    const raw = this.rawSession();
    this.requireServer('addWatch', '3.6.0', raw);
    await this.persistent.watch(raw, path, mode, listener, options.timeoutMs);
    let removed: Promise<void> | undefined;
    const remove = () =>
      (removed ??= this.closePromise
        ? Promise.resolve()
        : this.persistent.unwatch(this.rawSession(), path, mode, listener));
    return { path, mode, remove, [Symbol.asyncDispose]: remove };
  }

  /**
   * Removes this session's one-shot watches on `path` (`data` covers getData and exists
   * watches): on the server, and from node-zookeeper-client's own table too, which would
   * otherwise re-arm them with SetWatches on the next reconnect (notes §5 B6). Each removed
   * watcher hears `WatchRemoved`, once. Rejects with NoWatcherError when there was none.
   */
  async removeWatches(
    path: string,
    options: RequestOptions & { type?: 'data' | 'children' | 'any' } = {},
  ): Promise<void> {
    validatePath(path);
    const type = options.type ?? 'any';
    if (!['data', 'children', 'any'].includes(type)) {
      throw new InvalidArgumentError('type', 'type must be data, children or any');
    }
    const raw = this.rawSession();
    this.requireServer('removeWatches', '3.5.0', raw);
    await this.watches.remove(raw, path, type, options.timeoutMs);
  }

  /** Adds credentials now and for every later connection and session. */
  addAuthInfo(scheme: string, credentials: Buffer | string): void {
    if (typeof scheme !== 'string' || scheme.length === 0) {
      throw new InvalidArgumentError('scheme', 'scheme must be a non-empty string');
    }
    const auth = toBuffer(credentials, 'credentials');
    this.auth.push({ scheme, auth });
    this.connection.raw?.client.addAuthInfo(scheme, auth);
  }

  /** Deletes a node; `version` -1 (default) matches any version. */
  async delete(path: string, options: RequestOptions & { version?: number } = {}): Promise<void> {
    validatePath(path);
    const raw = this.rawSession();
    await ops.remove(raw, path, toVersion(options.version), options.timeoutMs);
  }

  /** The node's Stat, or null when it does not exist. A watch fires on create, delete or change. */
  async exists(
    path: string,
    options: RequestOptions & { watch?: Watcher } = {},
  ): Promise<Stat | null> {
    validatePath(path);
    const raw = this.rawSession();
    const w = this.watches.arm(raw, path, options.watch, 'data');
    const stat = await withWatch(w, () => ops.exists(raw, path, w?.fn, options.timeoutMs));
    return stat ? toStat(stat) : null;
  }

  /** The node's data (an empty Buffer for a node without data) and Stat. */
  async getData(
    path: string,
    options: RequestOptions & { watch?: Watcher } = {},
  ): Promise<{ data: Buffer; stat: Stat }> {
    validatePath(path);
    const raw = this.rawSession();
    const w = this.watches.arm(raw, path, options.watch, 'data');
    const r = await withWatch(w, () => ops.getData(raw, path, w?.fn, options.timeoutMs));
    return { data: r.data ?? EMPTY, stat: toStat(r.stat) };
  }

  /** Sets the node's data (empty data included); `version` -1 (default) matches any. */
  async setData(
    path: string,
    data: Buffer | string,
    options: RequestOptions & { version?: number } = {},
  ): Promise<Stat> {
    validatePath(path);
    // setData(path, null) throws TypeError in the package (upstream #94): always a Buffer.
    const buf = toBuffer(data);
    const raw = this.rawSession();
    const stat = await ops.setData(raw, path, buf, toVersion(options.version), options.timeoutMs);
    return toStat(stat);
  }

  /** The node's children (unsorted, as the server lists them) and its Stat. */
  async getChildren(
    path: string,
    options: RequestOptions & { watch?: Watcher } = {},
  ): Promise<{ children: string[]; stat: Stat }> {
    validatePath(path);
    const raw = this.rawSession();
    const w = this.watches.arm(raw, path, options.watch, 'children');
    const r = await withWatch(w, () => ops.getChildren(raw, path, w?.fn, options.timeoutMs));
    return { children: r.children, stat: toStat(r.stat) };
  }

  async getACL(path: string, options: RequestOptions = {}): Promise<{ acl: Acl[]; stat: Stat }> {
    validatePath(path);
    const raw = this.rawSession();
    const { acl, stat } = await ops.getACL(raw, path, options.timeoutMs);
    return {
      acl: acl.map((a) => ({ perms: a.perms, scheme: a.id.scheme, id: a.id.id })),
      stat: toStat(stat),
    };
  }

  async setACL(
    path: string,
    acl: readonly Acl[],
    options: RequestOptions & { version?: number } = {},
  ): Promise<Stat> {
    validatePath(path);
    const acls = toNzcAcls(acl);
    const raw = this.rawSession();
    const stat = await ops.setACL(raw, path, acls, toVersion(options.version), options.timeoutMs);
    return toStat(stat);
  }
}

/**
 * Creates a client. Options are validated (zod); a bad one throws {@link InvalidArgumentError}
 * naming the field. Nothing connects until `start()`.
 *
 * @example
 * await using client = createClient({ connectString: '127.0.0.1:2181' });
 * await client.start({ timeoutMs: 10_000 });
 * client.onStateChange(({ state }) => console.log(state));
 */
export function createClient(options: ClientOptions): ZkClient {
  return new ZkClient(options);
}
