/**
 * What a client view says of its connection and session, and its lifecycle: the half of
 * ZkClient that sends no request (./client.ts has the operations).
 */
import type { ClientCore } from './client-core.js';
import type { SessionInfo } from './connection.js';
import { toBuffer } from './convert.js';
import { InvalidArgumentError } from './errors.js';
import { Namespace } from './namespace.js';
import type { ConnectionState, ErrorPolicy, StateListener } from './states.js';

export abstract class ClientSession {
  protected readonly ns: Namespace;

  /** @internal use createClient() or usingNamespace() */
  constructor(
    protected readonly s: ClientCore,
    namespace: string | undefined,
  ) {
    this.ns = new Namespace(namespace);
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

  /** Closes the session (its ephemeral nodes go at once). Idempotent; never rejects. */
  close(): Promise<void> {
    return this.s.close();
  }

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
