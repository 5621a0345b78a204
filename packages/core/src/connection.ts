/**
 * The connection and session state machine: turns node-zookeeper-client's events into
 * Curator's states, declares LOST when the server expired the session or when the client has
 * been disconnected longer than the negotiated timeout (the package itself only learns of
 * expiry on reconnect: upstream #20), and then opens a new session by itself.
 */
import { EventEmitter } from 'node:events';
import { RawSession, type RawEvent } from './driver/raw-session.js';
import {
  AuthFailedError,
  ClientClosedError,
  ConnectionLossError,
  SessionExpiredError,
} from './errors.js';
import type { Logger } from './options.js';
import { safely } from './persistent-watches.js';
import {
  isHoldingLost,
  type ConnectionState,
  type ErrorPolicy,
  type StateChange,
} from './states.js';
import type { WatchEvent } from './types.js';

/**
 * How many previous session ids a client remembers. Each one was lost after a disconnection of
 * at least its timeout, and the server drops it one timeout after it last heard of it (or after
 * its own restart): one this many sessions back is in practice long gone. Forgetting one that
 * is not costs only the old behaviour, a conflict until it times out at the server.
 */
const PREVIOUS_SESSIONS = 32;

export interface ConnectionConfig {
  connectString: string;
  sessionTimeoutMs: number;
  requestTimeoutMs: number;
  errorPolicy: ErrorPolicy;
  /** Credentials for every new session; addAuthInfo() appends to it. */
  auth: { scheme: string; auth: Buffer }[];
  logger: Logger;
  /** Where a state listener's error goes (the logger, or a process warning without one). */
  reportListenerError: (err: unknown, what: string, state?: string) => void;
}

/** The view of one session a recipe gets: its id and a signal that aborts when it is lost. */
export interface SessionInfo {
  readonly sessionId: bigint;
  /** Aborts when this session is LOST (SessionExpiredError) or the client closes (ClientClosedError). */
  readonly signal: AbortSignal;
  /** The timeout the server granted this session. */
  readonly negotiatedTimeoutMs: number;
}

/**
 * A session refused this long after its handshake or later had passed its credentials' check
 * (the server refuses within a round trip): a refusal then starts a new count of refusals.
 */
const AUTH_SETTLED_MS = 2000;

export class Connection extends EventEmitter<{ state: [StateChange]; watch: [WatchEvent] }> {
  state: ConnectionState | 'LATENT' = 'LATENT';
  raw: RawSession | undefined;
  private sessionController = new AbortController();
  private connectedController = new AbortController();
  private lostTimer: NodeJS.Timeout | undefined;
  private currentSession: { -readonly [K in keyof SessionInfo]: SessionInfo[K] } | undefined;
  /**
   * The ids of the sessions this client had before the present one, newest last (at most
   * {@link PREVIOUS_SESSIONS}): a node a lost session left on the server is known as ours
   * (ADR 0032).
   */
  private readonly previousSessions: bigint[] = [];
  private closing = false;
  private authFailures = 0;
  /** When the current session was made: a refusal right after it is a refusal in a row. */
  private connectedAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /**
   * The last socket error since the connection was last up (ECONNREFUSED, ENOTFOUND, ...): the
   * `cause` of a ConnectTimeoutError. Cleared on connect.
   */
  lastSocketError: Error | undefined;
  private failedAttempts = 0;

  constructor(private readonly config: ConnectionConfig) {
    super();
    this.connectedController.abort(); // nothing is held before the first connect
  }

  /** Opens the first session. */
  open(): void {
    this.newSession();
  }

  private newSession(): void {
    const raw = new RawSession({
      connectString: this.config.connectString,
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      requestTimeoutMs: this.config.requestTimeoutMs,
      auth: this.config.auth,
      onEvent: (e) => {
        if (this.raw === raw) this.onRaw(e);
      },
      onWatchEvent: (e) => {
        if (this.raw === raw) this.emit('watch', e);
      },
      onSocketError: (err, connected) => {
        if (this.raw === raw) this.onSocketError(err, connected);
      },
    });
    this.raw = raw;
    raw.connect();
  }

  /**
   * Remembers the error and logs it: the first failure of a run at `warn` (a server refused or
   * a name did not resolve: someone should know before the connect times out), each repeat at
   * `debug` (the package tries again every ~200 ms while nothing answers).
   */
  private onSocketError(err: Error, connected: boolean): void {
    this.lastSocketError = err;
    const code = (err as NodeJS.ErrnoException).code;
    const attempt = ++this.failedAttempts;
    const log = { err, code, attempt, connectString: this.config.connectString };
    const msg = connected ? 'zk connection error' : 'zk connect attempt failed';
    if (attempt === 1) this.config.logger.warn(log, msg);
    else this.config.logger.debug(log, msg);
  }

  private transition(state: ConnectionState, reason?: StateChange['reason']): void {
    const previous = this.state;
    this.state = state;
    const sessionId = this.raw?.sessionId ?? 0n;
    this.config.logger.info(
      { state, previous, sessionId: sessionId.toString(16), reason },
      'zk state',
    );
    const change: StateChange = { state, previous, sessionId, ...(reason ? { reason } : {}) };
    // Each listener on its own: one that throws must not stop the others or this state machine
    // (we may be inside the socket's data handler or a timer); its error is reported (the logger,
    // or a process warning when the client has none).
    const report = (err: unknown) =>
      this.config.reportListenerError(err, 'a state listener', state);
    for (const listener of this.listeners('state')) safely(listener, change, report);
  }

  private onRaw(e: RawEvent): void {
    if (this.closing) return; // CLOSED is the last state
    switch (e.type) {
      case 'connected': {
        if (this.lostTimer) clearTimeout(this.lostTimer);
        this.lostTimer = undefined;
        if (this.state === 'CONNECTED' || this.state === 'RECONNECTED') return;
        const fresh = this.currentSession?.sessionId !== e.sessionId;
        if (!fresh) {
          // Each handshake negotiates anew: a server may grant the same session less than the
          // last one did (a lower maxSessionTimeout), and the LOST timer and a holder's silence
          // limit must go by what the server now keeps, not by the first grant.
          this.currentSession!.negotiatedTimeoutMs = e.negotiatedTimeoutMs;
        } else {
          if (this.currentSession) {
            this.previousSessions.push(this.currentSession.sessionId);
            if (this.previousSessions.length > PREVIOUS_SESSIONS) this.previousSessions.shift();
          }
          this.sessionController = new AbortController();
          this.currentSession = {
            sessionId: e.sessionId,
            signal: this.sessionController.signal,
            negotiatedTimeoutMs: e.negotiatedTimeoutMs,
          };
        }
        this.connectedController = new AbortController();
        this.connectedAt = Date.now();
        this.failedAttempts = 0;
        this.lastSocketError = undefined;
        this.transition(this.state === 'LATENT' ? 'CONNECTED' : 'RECONNECTED');
        return;
      }
      case 'disconnected': {
        if (this.state !== 'CONNECTED' && this.state !== 'RECONNECTED') return;
        this.suspend();
        return;
      }
      case 'expired':
        this.lose('expired');
        return;
      case 'authFailed':
        this.lose('authFailed');
        return;
    }
  }

  private suspend(): void {
    this.connectedController.abort(new Error('SUSPENDED'));
    this.transition('SUSPENDED');
    // LOST once disconnected longer than the negotiated session timeout: by then the server
    // has expired the session, unless a reconnect proves otherwise first.
    const timeout = this.currentSession?.negotiatedTimeoutMs ?? this.config.sessionTimeoutMs;
    this.lostTimer = setTimeout(() => this.lose('timeout'), timeout);
    this.lostTimer.unref();
  }

  private lose(reason: NonNullable<StateChange['reason']>): void {
    if (this.lostTimer) clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
    if (this.state === 'LOST' || this.closing) return;
    const old = this.raw;
    const wasConnected = this.state === 'CONNECTED' || this.state === 'RECONNECTED';
    if (wasConnected) {
      // LOST straight from connected (expiry reported on a live connection): SUSPENDED first,
      // so listeners always see the connection go before the session.
      this.connectedController.abort(new Error('SUSPENDED'));
      this.transition('SUSPENDED');
    }
    this.sessionController.abort(new SessionExpiredError(`session lost (${reason})`));
    this.transition('LOST', reason);
    // SessionExpiredError only for a request never written, so that it says "not applied" (the
    // kit's update() goes round on it); one written whose reply never came may have been
    // applied before the session ended: ConnectionLossError, whose outcome is unknown, as when
    // any connection drops under a request.
    old?.failAll((unsent) =>
      unsent
        ? new SessionExpiredError(`session lost (${reason})`)
        : new ConnectionLossError(`session lost (${reason}) before the reply`),
    );
    // The old client object cannot be reused after expiry; close it (best effort: if the
    // session still lives on the server, closing it releases its ephemerals now).
    // After refused credentials the old session stays the current one until the backoff makes
    // a new one: a request meanwhile is told why (AuthFailedError), not that the client is
    // closed, which it is not (leader/turn.ts stopped for good, silently, on ClientClosedError).
    void old?.close(
      500,
      reason === 'authFailed'
        ? () => new AuthFailedError('the server refused the credentials; a new session follows')
        : undefined,
    );
    if (this.closing) return;
    if (reason !== 'authFailed') {
      this.newSession();
      return;
    }
    // Credentials the server refuses will be refused again: back off instead of opening a
    // session per round trip.
    // The handshake comes before the credentials are checked, so a refused session was
    // CONNECTED first: counting from a refusal of a session that lived a while, not from any
    // CONNECTED, lets the backoff grow (it reset at each one and stayed at 500 ms, a new
    // session on the server every half second).
    if (Date.now() - this.connectedAt > AUTH_SETTLED_MS) this.authFailures = 0;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.authFailures++, 6));
    this.retryTimer = setTimeout(() => {
      if (!this.closing) this.newSession();
    }, delay);
    this.retryTimer.unref();
  }

  get errorPolicy(): ErrorPolicy {
    return this.config.errorPolicy;
  }

  /**
   * Whether `sessionId` is one this client had before its present session. Such a session was
   * declared LOST here, but may live on at the server (a restarted server restores the sessions
   * it knew, and keeps their ephemerals until they time out there): what it holds is ours.
   */
  wasPreviousSession(sessionId: bigint): boolean {
    return sessionId !== 0n && this.previousSessions.includes(sessionId);
  }

  /** The current session, once one has been established. */
  get session(): SessionInfo | undefined {
    return this.currentSession;
  }

  /**
   * A signal that aborts when what the current session holds may be lost, per the error
   * policy: on SUSPENDED under `standard`, on LOST under `session`. Already aborted when the
   * policy says nothing can be held now.
   */
  holdSignal(): AbortSignal {
    if (this.config.errorPolicy === 'standard') return this.connectedController.signal;
    return this.currentSession && this.state !== 'LOST'
      ? this.sessionController.signal
      : AbortSignal.abort(new SessionExpiredError('no session'));
  }

  /** Whether entering `state` means holdings are lost, under this client's policy. */
  isHoldingLost(state: ConnectionState): boolean {
    return isHoldingLost(this.config.errorPolicy, state);
  }

  /**
   * Ends the session and reports one transition, CLOSED, whatever the state was: a graceful
   * close is not a lost connection, so it never reports SUSPENDED or LOST (an alert on
   * SUSPENDED must not fire on every deploy). The hold and session signals abort with
   * ClientClosedError before the session's ephemerals go, so a holder hears "stop" first.
   * `graceMs` bounds the wait for the server to confirm the session's end (./driver/close.ts).
   */
  async close(graceMs?: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.lostTimer) clearTimeout(this.lostTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // Marks the session ended at once (later requests are refused) and queues its close.
    const closed = this.raw?.close(graceMs);
    const reason = new ClientClosedError();
    this.connectedController.abort(reason);
    this.sessionController.abort(reason);
    this.transition('CLOSED');
    await closed;
  }
}
