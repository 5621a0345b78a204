import { Connection, type SessionInfo } from './connection.js';
import { nzc, type NzcEvent, type NzcStat } from './driver/nzc.js';
import type { RawSession } from './driver/raw-session.js';
import {
  ClientClosedError,
  ConnectTimeoutError,
  InvalidArgumentError,
  UnimplementedError,
} from './errors.js';
import { clientOptionsSchema, parseOptions, silentLogger, type ClientOptions } from './options.js';
import { validatePath } from './paths.js';
import type { ConnectionState, ErrorPolicy, StateListener } from './states.js';
import {
  CREATE_FLAGS,
  OPEN_ACL_UNSAFE,
  type Acl,
  type CreateMode,
  type RequestOptions,
  type Stat,
  type Watcher,
  type WatchEventType,
} from './types.js';

const long = (b: Buffer): bigint => b.readBigInt64BE(0);

function toStat(s: NzcStat): Stat {
  return {
    czxid: long(s.czxid),
    mzxid: long(s.mzxid),
    ctime: Number(long(s.ctime)),
    mtime: Number(long(s.mtime)),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: long(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    pzxid: long(s.pzxid),
  };
}

const EVENT_TYPES: Record<number, WatchEventType> = {
  1: 'NodeCreated',
  2: 'NodeDeleted',
  3: 'NodeDataChanged',
  4: 'NodeChildrenChanged',
};

interface PendingWatch {
  raw: RawSession;
  path: string;
  fire: Watcher;
}

function toBuffer(data: Buffer | string | undefined, field = 'data'): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  throw new InvalidArgumentError(field, `${field} must be a Buffer or a string`);
}

function toNzcAcls(acls: readonly Acl[]) {
  const input: unknown = acls;
  if (!Array.isArray(input) || acls.length === 0) {
    throw new InvalidArgumentError('acl', 'acl must be a non-empty array');
  }
  return acls.map((a, i) => {
    const ok =
      Number.isInteger(a?.perms) &&
      a.perms >= 0 &&
      a.perms <= 31 &&
      typeof a.scheme === 'string' &&
      a.scheme.length > 0 &&
      typeof a.id === 'string';
    if (!ok) throw new InvalidArgumentError(`acl.${i}`, 'an ACL is { perms: 0..31, scheme, id }');
    return new nzc.ACL(a.perms, new nzc.Id(a.scheme, a.id));
  });
}

export interface CreateOptions extends RequestOptions {
  mode?: CreateMode;
  acl?: readonly Acl[];
}

/**
 * A ZooKeeper client with Curator's connection states, a new session after LOST, a deadline
 * on every request, and node-zookeeper-client's defects compensated. Create it with
 * {@link createClient}.
 */
export class ZkClient {
  private readonly connection: Connection;
  private readonly watches = new Set<PendingWatch>();
  private closePromise: Promise<void> | undefined;
  private started = false;
  readonly connectString: string;
  readonly errorPolicy: ErrorPolicy;

  /** @internal use {@link createClient} */
  constructor(options: ClientOptions) {
    const o = parseOptions(clientOptionsSchema, options, 'client options');
    this.connectString = o.connectString;
    this.errorPolicy = o.errorPolicy;
    this.connection = new Connection({
      connectString: o.connectString,
      sessionTimeoutMs: o.sessionTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs ?? o.sessionTimeoutMs,
      errorPolicy: o.errorPolicy,
      auth: o.auth.map((a) => ({ scheme: a.scheme, auth: toBuffer(a.credentials, 'auth') })),
      logger: o.logger ?? silentLogger,
    });
    this.connection.on('state', (c) => {
      if (c.state === 'LOST') this.tellWatchersSessionLost();
    });
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

  /** Wraps a user watcher so it fires exactly once: the event, or SessionLost. */
  private watcher(raw: RawSession, path: string, watch: Watcher | undefined) {
    if (watch === undefined) return undefined;
    if (typeof watch !== 'function')
      throw new InvalidArgumentError('watch', 'watch must be a function');
    const entry: PendingWatch = { raw, path, fire: watch };
    this.watches.add(entry);
    return {
      entry,
      fn: (e: NzcEvent) => {
        if (!this.watches.delete(entry)) return;
        watch({ type: EVENT_TYPES[e.type] ?? 'NodeDataChanged', path: e.path });
      },
    };
  }

  /**
   * The package never tells pending one-shot watchers that their session died (notes §2,
   * Session expiry; upstream #104); a recipe waiting on one would wait forever.
   */
  private tellWatchersSessionLost(): void {
    const raw = this.connection.raw;
    for (const w of [...this.watches]) {
      if (w.raw !== raw) continue;
      this.watches.delete(w);
      w.fire({ type: 'SessionLost', path: w.path });
    }
  }

  /** Creates a node and returns the path the server gave it (sequential names differ). */
  async create(path: string, data?: Buffer | string, options: CreateOptions = {}): Promise<string> {
    const mode = options.mode ?? 'PERSISTENT';
    if (!(mode in CREATE_FLAGS))
      throw new InvalidArgumentError('mode', `unknown create mode ${String(mode)}`);
    validatePath(path, { sequential: mode.includes('SEQUENTIAL') });
    if (mode === 'CONTAINER' || mode.includes('TTL')) {
      // The package sends flag 4 as a plain create and the server makes a persistent node
      // (notes §1): refuse rather than silently make the wrong kind of node.
      throw new UnimplementedError(`create mode ${mode} is not supported yet`, { path });
    }
    const buf = toBuffer(data);
    const acls = toNzcAcls(options.acl ?? OPEN_ACL_UNSAFE);
    const raw = this.rawSession();
    return raw.call<string>(
      path,
      (done) => raw.client.create(path, buf, acls, CREATE_FLAGS[mode], done),
      options.timeoutMs,
    );
  }

  /** Deletes a node; `version` -1 (default) matches any version. */
  async delete(path: string, options: RequestOptions & { version?: number } = {}): Promise<void> {
    validatePath(path);
    const raw = this.rawSession();
    await raw.call<void>(
      path,
      (done) => raw.client.remove(path, options.version ?? -1, done),
      options.timeoutMs,
    );
  }

  /** The node's Stat, or null when it does not exist. A watch fires on create, delete or change. */
  async exists(
    path: string,
    options: RequestOptions & { watch?: Watcher } = {},
  ): Promise<Stat | null> {
    validatePath(path);
    const raw = this.rawSession();
    const w = this.watcher(raw, path, options.watch);
    try {
      const stat = await raw.call<NzcStat | null>(
        path,
        (done) => raw.client.exists(path, w?.fn, done),
        options.timeoutMs,
      );
      return stat ? toStat(stat) : null;
    } catch (e) {
      if (w) this.watches.delete(w.entry);
      throw e;
    }
  }

  /** The node's data (an empty Buffer for a node without data) and Stat. */
  async getData(
    path: string,
    options: RequestOptions & { watch?: Watcher } = {},
  ): Promise<{ data: Buffer; stat: Stat }> {
    validatePath(path);
    const raw = this.rawSession();
    const w = this.watcher(raw, path, options.watch);
    try {
      const [data, stat] = await raw.call<[Buffer | undefined, NzcStat]>(
        path,
        (done) => raw.client.getData(path, w?.fn, (err, d, s) => done(err, [d, s])),
        options.timeoutMs,
      );
      return { data: data ?? Buffer.alloc(0), stat: toStat(stat) };
    } catch (e) {
      if (w) this.watches.delete(w.entry);
      throw e;
    }
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
    const stat = await raw.call<NzcStat>(
      path,
      (done) => raw.client.setData(path, buf, options.version ?? -1, done),
      options.timeoutMs,
    );
    return toStat(stat);
  }

  /** The node's children (unsorted, as the server lists them) and its Stat. */
  async getChildren(
    path: string,
    options: RequestOptions & { watch?: Watcher } = {},
  ): Promise<{ children: string[]; stat: Stat }> {
    validatePath(path);
    const raw = this.rawSession();
    const w = this.watcher(raw, path, options.watch);
    try {
      const [children, stat] = await raw.call<[string[], NzcStat]>(
        path,
        (done) => raw.client.getChildren(path, w?.fn, (err, c, s) => done(err, [c, s])),
        options.timeoutMs,
      );
      return { children, stat: toStat(stat) };
    } catch (e) {
      if (w) this.watches.delete(w.entry);
      throw e;
    }
  }

  async getACL(path: string, options: RequestOptions = {}): Promise<{ acl: Acl[]; stat: Stat }> {
    validatePath(path);
    const raw = this.rawSession();
    const [acls, stat] = await raw.call<
      [{ permission: number; id: { scheme: string; id: string } }[], NzcStat]
    >(path, (done) => raw.client.getACL(path, (err, a, s) => done(err, [a, s])), options.timeoutMs);
    // The package's ACL objects carry `permission`, not the `perms` its typings declare.
    return {
      acl: acls.map((a) => ({ perms: a.permission, scheme: a.id.scheme, id: a.id.id })),
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
    const stat = await raw.call<NzcStat>(
      path,
      (done) => raw.client.setACL(path, acls, options.version ?? -1, done),
      options.timeoutMs,
    );
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
