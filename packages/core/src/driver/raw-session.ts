/**
 * One node-zookeeper-client instance, that is one ZooKeeper session at most: patched on
 * creation, every request given a deadline and tracked until it settles. When the session is
 * lost the owner discards this object and makes a new one (the package cannot reuse a client
 * after expiry: docs/low-level-client.md, "Session expiry").
 */
import {
  ClientClosedError,
  errorFromCode,
  OperationTimeoutError,
  stacklessError,
  type ZooKeeperError,
} from '../errors.js';
import {
  CM_STATE,
  nzc,
  type JuteRequest,
  type NzcClient,
  type NzcEvent,
  type NzcException,
} from './nzc.js';
import { compareVersions, queryServerVersion } from './server-info.js';
import {
  batchWrites,
  installWatchdog,
  patchReconnectQueue,
  patchXid,
  type Watchdog,
  type WriteBatcher,
} from './patches.js';
import { readFrames } from './reader.js';

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
  /** Every watch notification the server sends, before the package dispatches it. */
  onWatchEvent?: (e: NzcEvent) => void;
}

/** What a request's sender hears, exactly once: a typed error, or null and the reply. */
export type ReplyHandler<R = JuteResponse> = (err: Error | null, resp: R | undefined) => void;

interface PendingCall {
  settle: ReplyHandler<never>;
  deadline: number;
  path: string | undefined;
  timeoutMs: number;
  /** The queued request, so a deadline can take it back if it has not been sent yet. */
  request: JuteRequest;
}

/**
 * Deadlines are checked by one sweep per session while requests are pending, not by a timer per
 * request: a Timeout object per request was a measurable share of allocation (and so of GC) at
 * thousands of requests per second (bench/core-vs-raw.mjs). A request times out between
 * timeoutMs and timeoutMs + SWEEP_MS after it was issued.
 */
const SWEEP_MS = 25;

export class RawSession {
  readonly client: NzcClient;
  private readonly pending = new Set<PendingCall>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly watchdog: Watchdog;
  private ended = false;
  private readonly writes: WriteBatcher;
  negotiatedTimeoutMs = 0;
  /** The version of the server this session last connected to, once known. */
  serverVersion: string | undefined;
  private readonly atLeast = new Map<string, boolean>();

  constructor(private readonly opts: RawSessionOptions) {
    // retries: 0: the package's own retry repeats any CONNECTION_LOSS, non-idempotent
    // sequential creates included (index.js:138); core's retry loop decides instead.
    this.client = nzc.createClient(opts.connectString, {
      sessionTimeout: opts.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    const cm = this.client.connectionManager;
    patchXid(cm);
    patchReconnectQueue(cm);
    this.writes = batchWrites(cm);
    readFrames(cm); // before the watchdog, which wraps it to note each read
    const servers = opts.connectString.split('/')[0]!.split(',').length;
    // A handshake is one round trip. A server caught while starting can accept TCP and never
    // answer it; one such attempt must not use up the session (a 15 s session once waited
    // 15 s here and was LOST across a 0.5 s restart), so an attempt gets at most a fifth of it.
    const handshakeMs = Math.max(
      250,
      Math.min(opts.sessionTimeoutMs / servers, opts.sessionTimeoutMs / 5),
    );
    this.watchdog = installWatchdog(cm, Math.floor(handshakeMs));
    for (const a of opts.auth) this.client.addAuthInfo(a.scheme, a.auth);
    cm.on('state', (s) => this.onState(s));
    // The package drops notifications no one-shot watcher of its own waits for, which is every
    // event of a persistent watch (docs/low-level-client.md, "Persistent watch events"): see
    // them all first.
    const onWatchEvent = opts.onWatchEvent;
    if (onWatchEvent) {
      const emit = cm.watcherManager.emit.bind(cm.watcherManager);
      cm.watcherManager.emit = (e) => {
        onWatchEvent(e);
        emit(e);
      };
    }
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
    if (!host || !port) return;
    void queryServerVersion(host, port).then((v) => {
      if (!v) return;
      this.serverVersion = v;
      this.atLeast.clear();
    });
  }

  /** Whether the server is known to be at least `version`; true while its version is unknown. */
  serverAtLeast(version: string): boolean {
    const v = this.serverVersion;
    if (v === undefined) return true;
    let ok = this.atLeast.get(version);
    if (ok === undefined) {
      ok = compareVersions(v, version) >= 0;
      this.atLeast.set(version, ok);
    }
    return ok;
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
   * create and delete build one promise per call on it (bench/core-vs-raw.mjs).
   */
  send<R = JuteResponse>(
    path: string | undefined,
    request: JuteRequest,
    timeoutMs: number | undefined,
    handler: ReplyHandler<R>,
    onReply?: (err: NzcException | null, resp: R | undefined) => void,
  ): void {
    if (this.ended) {
      handler(new ClientClosedError(), undefined);
      return;
    }
    const t = timeoutMs ?? this.opts.requestTimeoutMs;
    const entry: PendingCall = {
      settle: handler,
      deadline: Date.now() + t,
      path,
      timeoutMs: t,
      request,
    };
    this.pending.add(entry);
    // Ref'd while requests wait (a caller awaiting a reply keeps the process alive), and
    // cleared as soon as none do, so an idle client holds no timer.
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
    try {
      this.client.connectionManager.queue(request, (err, resp) => {
        // Even after a deadline: the server did what the reply says (a watch it set is set).
        if (onReply) onReply(err, resp as R | undefined);
        if (!this.pending.delete(entry)) return; // already timed out or failed
        if (err) handler(toError(err, path), undefined);
        else handler(null, resp as R);
      });
    } catch (e) {
      // The package throws synchronously on bad arguments (AssertionError, TypeError).
      this.pending.delete(entry);
      handler(e instanceof Error ? e : new Error(String(e)), undefined);
    }
  }

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

  private sweep(): void {
    const now = Date.now();
    for (const p of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(p);
      // Not sent yet (waiting for a reconnect): take it back, so it is not applied later behind
      // the caller's back (or behind its retry).
      const q = this.client.connectionManager.packetQueue.queue;
      const i = q.findIndex((packet) => packet.request === p.request);
      if (i >= 0) q.splice(i, 1);
      p.settle(
        new OperationTimeoutError(`no reply within ${p.timeoutMs} ms`, { path: p.path }),
        undefined,
      );
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Rejects every request still waiting (used when the session is lost). */
  failAll(makeError: () => ZooKeeperError | ClientClosedError): void {
    // Cleared first: a handler may send again at once (a fast path handing over to its retry).
    const waiting = [...this.pending];
    this.pending.clear();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const p of waiting) p.settle(makeError(), undefined);
  }

  /**
   * Closes the session (its ephemerals go at once) and the connection. Bounded: a silent server
   * leaves the package in CLOSING with its socket open (docs/low-level-client.md, "close()"), so
   * after `graceMs` the socket is destroyed.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.watchdog.stop();
    const cm = this.client.connectionManager;
    const done = () =>
      cm.state === CM_STATE.CLOSED ||
      cm.state === CM_STATE.SESSION_EXPIRED ||
      cm.state === CM_STATE.AUTHENTICATION_FAILED;
    if (!done()) {
      const wasConnected = cm.state === CM_STATE.CONNECTED;
      this.client.close();
      if (wasConnected) {
        const deadline = Date.now() + graceMs;
        while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      }
    }
    // Whatever state it is in, no socket and no reconnect loop may outlive close(): in CLOSING
    // the package's socket-close handler does not reconnect (ConnectionManager.js onSocketClosed).
    if (!done()) cm.state = CM_STATE.CLOSING;
    cm.connect = () => undefined;
    // The package's per-attempt connect timer is not cleared by destroy(): it would hold the
    // process for up to sessionTimeout / servers after close.
    if (cm.connectTimeoutHandler) clearTimeout(cm.connectTimeoutHandler);
    cm.socket?.destroy();
    this.failAll(() => new ClientClosedError());
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
