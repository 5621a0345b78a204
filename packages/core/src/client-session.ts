/**
 * What a client view says of its connection and session, and its lifecycle: the half of
 * ZkClient that sends no request (./client-nodes.ts and ./client.ts have the operations).
 */
import type { ClientCore } from './client-core.js';
import type { SessionInfo } from './connection.js';
import { toBuffer } from './convert.js';
import { InvalidArgumentError, NoNodeError } from './errors.js';
import { deleteNode } from './framework/delete-node.js';
import { checkPacket } from './framework/nodes.js';
import { abandonCreate } from './framework/protection.js';
import { releaseEphemeral } from './framework/release.js';
import { Namespace } from './namespace.js';
import type { ConnectionState, ErrorPolicy, StateListener } from './states.js';

/** close()'s `timeoutMs`, checked before anything is closed. */
function closeTimeout(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'options must be an object');
  }
  const t = (options as { timeoutMs?: unknown }).timeoutMs;
  if (t === undefined) return undefined;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 2 ** 31 - 1) {
    throw new InvalidArgumentError('timeoutMs', 'timeoutMs must be a number of milliseconds >= 0');
  }
  return t;
}

/** Each view's core and namespace, for the kit's functions inside core (not user API). */
const views = new WeakMap<ClientSession, { core: ClientCore; ns: Namespace }>();

/**
 * Releases `path` (in the view's namespace), an ephemeral of session `sessionId`, within the
 * release bound whatever the connection (framework/release.ts). For the recipe kit's held nodes.
 */
export function releaseInView(view: ClientSession, path: string, sessionId: bigint): Promise<void> {
  const v = views.get(view);
  if (!v) return Promise.reject(new InvalidArgumentError('client', 'not a client of this package'));
  try {
    const serverPath = v.ns.toServer(path);
    // Not an ephemeral (no session to end with it): the plain guaranteed delete.
    if (sessionId === 0n)
      return deleteNode(v.core, serverPath, { version: -1, guaranteed: true }).catch(
        (e: unknown) => {
          if (!(e instanceof NoNodeError)) throw e;
        },
      );
    return releaseEphemeral(v.core, serverPath, sessionId);
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/**
 * Hands a create of `view` whose outcome is unknown to the client's background job (in the
 * view's namespace): every child of `parent` whose name `matches` and that is an ephemeral of
 * session `owner` is deleted once connected (framework/protection.ts). For the kit's kept nodes.
 */
export function abandonCreateInView(
  view: ClientSession,
  parent: string,
  matches: (name: string) => boolean,
  owner: bigint,
): void {
  const v = views.get(view);
  if (!v) throw new InvalidArgumentError('client', 'not a client of this package');
  abandonCreate(v.core.background, () => v.core.raw(), v.ns.toServer(parent), matches, owner);
}

/**
 * Whether `sessionId` is a session `view`'s client had before its present one (declared LOST
 * here, possibly still alive at the server, which restores sessions across its restart): an
 * ephemeral node it owns was made by this client, and is not another process's (ADR 0032). For
 * the kit's kept nodes, which take such a node back instead of reporting a conflict.
 */
export function isPreviousSession(view: ClientSession, sessionId: bigint): boolean {
  const v = views.get(view);
  if (!v) throw new InvalidArgumentError('client', 'not a client of this package');
  return v.core.connection.wasPreviousSession(sessionId);
}

/**
 * The id of the session a request sent now goes out on, or undefined when none is known: before
 * the first connect, after close(), and from a LOST until the new session is made. Meanwhile
 * `client.session` still names the lost session, but requests already wait for the new one: a
 * recipe that took `client.session` for the session of its create believed a node made on the
 * new session had gone with the old one (the queue left an item locked by its own live session
 * for good). While a session is SUSPENDED its requests wait for it: that session, or none.
 */
export function requestSessionId(view: ClientSession): bigint | undefined {
  const v = views.get(view);
  if (!v) throw new InvalidArgumentError('client', 'not a client of this package');
  const s = v.core.connection.session;
  return s && !s.signal.aborted ? s.sessionId : undefined;
}

/**
 * Throws DataTooLargeError when a write of `dataBytes` to `path` (in the view's namespace) would
 * exceed the client's packet limit: the check every write makes before it is sent, for the
 * kit's recipes that keep data to write later (a kept node's data while it is not placed).
 */
export function checkPacketInView(view: ClientSession, path: string, dataBytes: number): void {
  const v = views.get(view);
  if (!v) throw new InvalidArgumentError('client', 'not a client of this package');
  checkPacket(v.core, v.ns.toServer(path, true), dataBytes);
}

export abstract class ClientSession {
  protected readonly ns: Namespace;

  /** @internal use createClient() or usingNamespace() */
  constructor(
    protected readonly s: ClientCore,
    namespace: string | undefined,
  ) {
    this.ns = new Namespace(namespace);
    views.set(this, { core: s, ns: this.ns });
  }

  /** This view's namespace (`app/sub`), or undefined. */
  get namespace(): string | undefined {
    return this.ns.root?.slice(1);
  }

  get connectString(): string {
    return this.s.connectString;
  }

  get errorPolicy(): ErrorPolicy {
    return this.s.connection.errorPolicy;
  }

  /** The present connection state; `LATENT` before start(), `CLOSED` once closed (a failed start() closes). */
  get state(): ConnectionState | 'LATENT' {
    return this.s.connection.state;
  }

  /**
   * Whether the connection is up now (CONNECTED or RECONNECTED) and the client not closed:
   * Curator's `getZookeeperClient().isConnected()`, kazoo's `connected`.
   */
  get isConnected(): boolean {
    return this.s.isConnected;
  }

  /**
   * Resolves once the connection is up: at once when it is, else at the next CONNECTED or
   * RECONNECTED (waiting also before start(), which does the connecting). Rejects with
   * ConnectTimeoutError after `timeoutMs` (its `cause` the last socket error; default: no
   * limit), with the signal's reason, or with ClientClosedError when the client is or gets
   * closed. Curator's `blockUntilConnected`.
   */
  blockUntilConnected(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    return this.s.blockUntilConnected(options);
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

  /**
   * Aborts, with ClientClosedError, when close() is called: recipes end their waits on it, so
   * a wait never outlives its client.
   */
  get closeSignal(): AbortSignal {
    return this.s.closeSignal;
  }

  /**
   * Milliseconds since this client last heard from the server (a reply, a ping's answer, a
   * notification), by the monotonic clock; it grows while disconnected. Read synchronously, it
   * needs no event-loop turn: a process resuming from a pause sees its silence before its socket
   * is read (the kit's `unconfirmedHold()`, a lease's `assertHeld()`). Infinity before start().
   */
  get msSinceLastHeard(): number {
    return this.s.connection.raw?.msSinceLastHeard ?? Infinity;
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

  /**
   * Closes the session (its ephemeral nodes go at once) and reports one state change, `CLOSED`.
   * Idempotent; never rejects, except with InvalidArgumentError for a bad option (then nothing
   * is closed). `timeoutMs` bounds the whole close: how long to wait for the server to confirm
   * the session's end while connected (default 2000; 0 does not wait: the server then expires
   * the session after its timeout). Without a connection the close is immediate.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    try {
      return this.s.close(closeTimeout(options));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** `await using`: calls `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
