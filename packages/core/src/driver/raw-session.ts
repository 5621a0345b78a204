/**
 * One node-zookeeper-client instance, that is one ZooKeeper session at most: patched on
 * creation, every request given a deadline and tracked until it settles. When the session is
 * lost the owner discards this object and makes a new one (the package cannot reuse a client
 * after expiry: docs/low-level-client.md, "Session expiry"). Everything above the driver reaches the package
 * through this object's methods, never through `client`.
 */
import {
  ClientClosedError,
  errorFromCode,
  stacklessError,
  type ZooKeeperError,
} from '../errors.js';
import type { WatchEvent } from '../types.js';
import { closeWithin } from './close.js';
import { Deadlines } from './deadlines.js';
import {
  CM_STATE,
  nzc,
  type JuteRequest,
  type NzcClient,
  type NzcEvent,
  type NzcException,
} from './nzc.js';
import { ServerVersion } from './server-info.js';
import {
  batchWrites,
  observeSocketErrors,
  patchReconnectQueue,
  patchXid,
  type WriteBatcher,
} from './patches.js';
import { installWatchdog, ownSocket, type Watchdog } from './socket.js';
import { readFrames } from './reader.js';
import { eventType, WatchTable } from './watchers.js';

export type RawEvent =
  | { type: 'connected'; sessionId: bigint; negotiatedTimeoutMs: number }
  | { type: 'disconnected' }
  | { type: 'expired' }
  | { type: 'authFailed' };

/** A reply as the package parses it: its header and the payload record. */
export interface JuteResponse {
  header: { err: number };
  payload: Record<string, unknown> | null;
}

export interface RawSessionOptions {
  connectString: string;
  sessionTimeoutMs: number;
  requestTimeoutMs: number;
  auth: readonly { scheme: string; auth: Buffer }[];
  onEvent: (e: RawEvent) => void;
  /** Every watch notification the server sends, before the one-shot watchers hear it. */
  onWatchEvent?: (e: WatchEvent) => void;
  /** Every socket error; `connected`: the connection had a session (else a connect attempt failed). */
  onSocketError?: (err: Error, connected: boolean) => void;
}

/** What a request's sender hears, exactly once: a typed error, or null and the reply. */
export type ReplyHandler<R = JuteResponse> = (err: Error | null, resp: R | undefined) => void;

export class RawSession {
  /** The package's client: the driver's alone (tests reach its connection manager too). */
  readonly client: NzcClient;
  /** The one-shot watches this session holds on the server (./watchers.ts). */
  readonly watches: WatchTable;
  private readonly deadlines: Deadlines;
  /**
   * The session itself, also when reached through a {@link withdrawing} view (an own field, so
   * a view inherits it): what tables keyed by session compare.
   */
  readonly self: RawSession = this;
  private readonly watchdog: Watchdog;
  private ended = false;
  /** What a request meets once the session is closed (one whose credentials were refused says so). */
  private endedBy: () => ZooKeeperError | ClientClosedError = () => new ClientClosedError();
  private readonly writes: WriteBatcher;
  negotiatedTimeoutMs = 0;
  private readonly version = new ServerVersion();

  constructor(private readonly opts: RawSessionOptions) {
    // retries: 0: the package's own retry repeats any CONNECTION_LOSS, non-idempotent
    // sequential creates included (index.js:138); core's retry loop decides instead.
    this.client = nzc.createClient(opts.connectString, {
      sessionTimeout: opts.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    const cm = this.client.connectionManager;
    this.deadlines = new Deadlines((requests) => {
      // One pass, compacting in place: a session may end with thousands queued.
      const q = cm.packetQueue.queue;
      const taken = new Set<JuteRequest>();
      let kept = 0;
      for (const packet of q) {
        if (requests.has(packet.request)) taken.add(packet.request);
        else q[kept++] = packet;
      }
      q.length = kept;
      return taken;
    });
    // The package would dispatch notifications to its own table; core's replaces it, and the
    // package reads it only to build SetWatches.
    const notify = (n: NzcEvent) => this.onNotification(n);
    this.watches = new WatchTable(notify);
    cm.watcherManager = this.watches;
    patchXid(cm);
    patchReconnectQueue(cm);
    ownSocket(cm);
    this.writes = batchWrites(cm);
    readFrames(cm, notify); // before the watchdog, which wraps it to note each read
    const servers = opts.connectString.split('/')[0]!.split(',').length;
    // A handshake is one round trip. A server caught while starting can accept TCP and never
    // answer it; one such attempt must not use up the session (a 15 s session once waited
    // 15 s here and was LOST across a 0.5 s restart), so an attempt gets at most a fifth of it.
    const handshakeMs = Math.max(
      250,
      Math.min(opts.sessionTimeoutMs / servers, opts.sessionTimeoutMs / 5),
    );
    this.watchdog = installWatchdog(cm, Math.floor(handshakeMs));
    const onSocketError = opts.onSocketError;
    if (onSocketError) {
      observeSocketErrors(cm, (err, connected) => {
        if (!this.ended) onSocketError(err, connected);
      });
    }
    for (const a of opts.auth) this.client.addAuthInfo(a.scheme, a.auth);
    cm.on('state', (s) => this.onState(s));
  }

  /**
   * Every notification: the persistent watches' hook hears it first (no one-shot watcher
   * waits for their events: docs/low-level-client.md, "Persistent watch events"), then the one-shot watchers it fires.
   */
  private onNotification(n: NzcEvent): void {
    const type = eventType(n.type);
    if (type === undefined) return; // not a node event: servers send none
    const e: WatchEvent = { type, path: n.path };
    this.opts.onWatchEvent?.(e);
    this.watches.dispatch(e);
  }

  private onState(s: number): void {
    if (this.ended) return;
    switch (s) {
      case CM_STATE.CONNECTED:
        this.negotiatedTimeoutMs = this.client.getSessionTimeout();
        this.watchdog.connected(this.negotiatedTimeoutMs);
        this.learnServerVersion();
        this.opts.onEvent({
          type: 'connected',
          sessionId: this.sessionId,
          negotiatedTimeoutMs: this.negotiatedTimeoutMs,
        });
        break;
      case CM_STATE.DISCONNECTED:
        this.opts.onEvent({ type: 'disconnected' });
        break;
      case CM_STATE.SESSION_EXPIRED:
        this.opts.onEvent({ type: 'expired' });
        break;
      case CM_STATE.AUTHENTICATION_FAILED:
        this.opts.onEvent({ type: 'authFailed' });
        break;
    }
  }

  connect(): void {
    this.client.connect();
  }

  private learnServerVersion(): void {
    const socket = this.client.connectionManager.socket;
    const host = socket?.remoteAddress;
    const port = socket?.remotePort;
    if (host && port) this.version.learn(host, port);
  }

  /** The version of the server this session last connected to, once known. */
  get serverVersion(): string | undefined {
    return this.version.value;
  }
  /** A test pretends an older server here (test/src/core/driver-defects.test.ts). */
  set serverVersion(v: string | undefined) {
    this.version.value = v;
  }

  /** Whether the server is known to be at least `version`; true while its version is unknown. */
  serverAtLeast(version: string): boolean {
    return this.version.isAtLeast(version);
  }

  get sessionId(): bigint {
    return this.client.getSessionId().readBigInt64BE(0);
  }

  get sessionPassword(): Buffer {
    return this.client.getSessionPassword();
  }

  /** True while the underlying connection is up (requests go out now). */
  get connected(): boolean {
    return this.client.connectionManager.state === CM_STATE.CONNECTED;
  }

  /** Milliseconds since anything last arrived from the server (monotonic clock). */
  get msSinceLastHeard(): number {
    return this.watchdog.silentMs();
  }

  /** `host:port` of the server the connection is on now; undefined while disconnected. */
  get connectedServer(): string | undefined {
    const socket = this.connected ? this.client.connectionManager.socket : undefined;
    return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : undefined;
  }

  /** The connect string's chroot, which the server's paths carry (undefined: none). */
  get chroot(): string | undefined {
    return this.client.connectionManager.chrootPath;
  }

  /**
   * Forgets this session's one-shot watches on `path` after removeWatches took them off the
   * server, so that the next reconnect's SetWatches does not set them again (docs/low-level-client.md, "Removed watches re-armed").
   */
  forgetWatches(path: string, type: 'data' | 'children' | 'any'): void {
    this.watches.forget(path, type);
  }

  /** Adds credentials to this connection now, and to each reconnect of it. */
  addAuthInfo(scheme: string, auth: Buffer): void {
    this.client.addAuthInfo(scheme, auth);
  }

  /**
   * Queues a built request on the package's connection manager directly, past the package's
   * per-operation retry wrapper (an async.whilst loop around every call, run even with
   * retries 0): core retries by its own policy, and the wrapper's cost showed in client CPU
   * (ADR 0005).
   *
   * `handler` hears exactly once: the reply, a typed error, OPERATIONTIMEOUT at the deadline (the
   * package may never call back: docs/low-level-client.md, "Requests that never return"), or the
   * error given to {@link failAll} when the session ends. `onReply` hears every reply the package
   * delivers, first, from inside its socket handler, before it reads the rest of the chunk: a watch
   * registered there is in place for a notification in that same chunk (registering after a promise
   * settles was one microtask too late). Callback-based, not a promise: the framework's common
   * create and delete build one promise per call on it (bench/core-vs-raw.mjs). `signal`: a
   * request not yet written when it aborts is taken back (Deadlines.withdrawOnAbort).
   */
  send<R = JuteResponse>(
    path: string | undefined,
    request: JuteRequest,
    timeoutMs: number | undefined,
    handler: ReplyHandler<R>,
    onReply?: (err: NzcException | null, resp: R | undefined) => void,
    signal?: AbortSignal,
  ): void {
    if (this.ended) {
      handler(this.endedBy(), undefined);
      return;
    }
    const t = timeoutMs ?? this.opts.requestTimeoutMs;
    if (signal) handler = this.deadlines.withdrawOnAbort(signal, handler, () => entry);
    const entry = this.deadlines.track(handler, path, t, request);
    try {
      this.client.connectionManager.queue(request, (err, resp) => {
        // Even after a deadline: the server did what the reply says (a watch it set is set).
        if (onReply) onReply(err, resp as R | undefined);
        if (!this.deadlines.settle(entry)) return; // already timed out or failed
        if (err) handler(toError(err, path), undefined);
        else handler(null, resp as R);
      });
    } catch (e) {
      // The package throws synchronously on bad arguments (AssertionError, TypeError).
      this.deadlines.settle(entry);
      handler(e instanceof Error ? e : new Error(String(e)), undefined);
    }
  }

  /**
   * A view of this session whose requests (`send`, and `queue` through it) carry `signal`: one
   * not yet written when it aborts is taken back (Deadlines.withdrawOnAbort), so an aborted
   * call's request never goes out after the reconnect. The view has no state of its own;
   * anything that keys by session uses {@link self}.
   */
  withdrawing(signal: AbortSignal): RawSession {
    // One view per signal, made once: a recipe passes its close signal to every call, and a
    // view made per call was an object of its own shape on the path of each request.
    const session = this.self;
    const views = (session.views ??= new WeakMap());
    let view = views.get(signal);
    if (!view) {
      const send: RawSession['send'] = (path, request, timeoutMs, handler, onReply, own) =>
        session.send(path, request, timeoutMs, handler, onReply, own ?? signal);
      view = Object.create(session, { send: { value: send } }) as RawSession;
      views.set(signal, view);
    }
    return view;
  }

  /** The {@link withdrawing} views made so far, by signal. */
  private views: WeakMap<AbortSignal, RawSession> | undefined;

  /** Runs `fn`; the requests it queues leave in one write when it returns. */
  together(fn: () => void): void {
    this.writes.together(fn);
  }

  /** {@link send} as a promise; `onReply` as send's. */
  queue<R = JuteResponse>(
    path: string | undefined,
    request: JuteRequest,
    timeoutMs?: number,
    onReply?: (err: NzcException | null, resp: R | undefined) => void,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.send<R>(
        path,
        request,
        timeoutMs,
        (err, resp) => (err ? reject(err) : resolve(resp as R)),
        onReply,
      );
    });
  }

  /**
   * Rejects every request still waiting (used when the session is lost); `makeError` is told
   * whether the request was never written (it is taken back, so it never will be).
   */
  failAll(makeError: (unsent: boolean) => ZooKeeperError | ClientClosedError): void {
    this.deadlines.failAll(makeError);
  }

  /**
   * Closes the session (its ephemerals go at once) and the connection. Bounded: a silent server
   * leaves the package in CLOSING with its socket open (docs/low-level-client.md, "close()"), so
   * after `graceMs` the socket is destroyed. `endedBy` makes what a request sent after it meets
   * (ClientClosedError by default).
   */
  async close(graceMs = 2000, endedBy?: () => ZooKeeperError | ClientClosedError): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (endedBy) this.endedBy = endedBy;
    this.watchdog.stop();
    await closeWithin(this.client, graceMs);
    this.failAll(this.endedBy);
  }
}

/**
 * Made where a reply is parsed, a stack would show only the socket's frames, never the caller's:
 * none is captured (an expected NONODE, as a contender's getData on a predecessor already gone,
 * cost two stack captures with the package's own Exception).
 */
function toError(err: NzcException, path: string | undefined): ZooKeeperError {
  return stacklessError(() => errorFromCode(err.code, path, err));
}
