/**
 * What every view of one client shares (the root client and each usingNamespace() view): the
 * connection, the watch registries, credentials, the framework's settings, the background
 * worker, and the lifecycle.
 */
import { Connection } from './connection.js';
import { toBuffer } from './convert.js';
import type { RawSession } from './driver/raw-session.js';
import { parseConnectString } from './connect-string.js';
import { ClientClosedError, ConnectTimeoutError, InvalidArgumentError } from './errors.js';
import { IllegalStateError } from './framework/lifecycle.js';
import { joinSignals } from './kit/abort.js';
import { Deadline, waitFor, type WaitOptions } from './kit/deadline.js';
import { openAclProvider, type AclProvider } from './framework/acl.js';
import { Background } from './framework/background.js';
import type { FrameworkContext } from './framework/nodes.js';
import { publish } from './framework/observability.js';
import { exponentialBackoff, type RetryPolicy } from './framework/retry.js';
import { OneShotWatches } from './one-shot-watches.js';
import {
  guardedLogger,
  listenerErrorReporter,
  silentLogger,
  type ClientOptions,
  type Logger,
} from './options.js';
import { clientOptionsSchema } from './options-schema.js';
import { PersistentWatches } from './persistent-watches.js';
import { checkSignal, parseOptions } from './validate.js';

/**
 * What every namespace view of one client shares: the connection and its sessions, the watch
 * registries, the background jobs, the options. ZkClient is a view over it (a namespace), so
 * that `usingNamespace()` costs no second connection.
 */
export class ClientCore implements FrameworkContext {
  readonly connection: Connection;
  readonly watches: OneShotWatches;
  readonly persistent: PersistentWatches;
  readonly auth: { scheme: string; auth: Buffer }[];
  readonly chroot: string | undefined;
  readonly connectString: string;
  readonly namespace: string | undefined;
  readonly retryPolicy: RetryPolicy;
  readonly aclProvider: AclProvider;
  readonly maxPacketBytes: number;
  readonly background: Background;
  readonly logger: Logger;
  private readonly startTimeoutMs: number;
  closePromise: Promise<void> | undefined;
  private started = false;
  /** Aborted by close(), so a pending start() (and any recipe's wait) settles at once. */
  private readonly closing = new AbortController();

  constructor(options: ClientOptions) {
    const o = parseOptions(clientOptionsSchema(), options, 'client options');
    // Hosts trimmed, ports and chroot checked (the schema refused a bad one already).
    const connect = parseConnectString(o.connectString);
    this.connectString = connect.normalized;
    this.chroot = connect.chroot;
    this.namespace = o.namespace;
    this.auth = o.auth.map((a) => ({ scheme: a.scheme, auth: toBuffer(a.credentials, 'auth') }));
    this.retryPolicy = o.retryPolicy ?? exponentialBackoff();
    this.aclProvider = o.aclProvider ?? openAclProvider;
    this.maxPacketBytes = o.maxPacketBytes;
    this.logger = o.logger ? guardedLogger(o.logger) : silentLogger;
    const reportListenerError = listenerErrorReporter(o.logger ? this.logger : undefined);
    const report = (err: unknown) => reportListenerError(err, 'a watch listener');
    this.watches = new OneShotWatches(report);
    this.persistent = new PersistentWatches(report);
    this.startTimeoutMs = o.connectionTimeoutMs;
    this.connection = new Connection({
      connectString: this.connectString,
      sessionTimeoutMs: o.sessionTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs ?? o.sessionTimeoutMs,
      errorPolicy: o.errorPolicy,
      auth: this.auth,
      logger: this.logger,
      reportListenerError,
    });
    this.background = new Background(() => this.connection.raw?.connected ?? false, this.logger);
    this.connection.on('state', (c) => {
      publish('state', c);
      const raw = this.connection.raw;
      if (c.state === 'LOST' || c.state === 'CLOSED') this.watches.sessionLost(raw);
      if (c.state === 'RECONNECTED' || c.state === 'CONNECTED') this.background.kick();
      if (c.state === 'RECONNECTED' && raw && this.persistent.size > 0) {
        this.persistent
          .rearm(raw)
          .catch((e: unknown) => this.logger.warn({ err: e }, 'persistent watches not re-armed'));
      }
    });
    this.connection.on('watch', (e) => this.persistent.dispatch(e));
  }

  /** Aborts with ClientClosedError when close() is called. */
  get closeSignal(): AbortSignal {
    return this.closing.signal;
  }

  raw(): RawSession {
    if (this.closePromise) throw new ClientClosedError();
    const raw = this.connection.raw;
    if (!raw)
      throw new IllegalStateError('LATENT', 'the client is not started: call start() first');
    return raw;
  }

  async start(options: WaitOptions): Promise<void> {
    const deadline = waitDeadline(options, this.startTimeoutMs);
    if (this.closePromise) throw new ClientClosedError();
    if (this.started)
      throw new IllegalStateError(this.connection.state, 'start() was already called');
    this.started = true;
    options.signal?.throwIfAborted();
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.closing.signal])
      : this.closing.signal;
    const connected = waitFor<true>(deadline.withSignal(signal), (settle) => {
      const onState = (c: { state: string }) => {
        if (c.state === 'CONNECTED') settle(true);
      };
      this.connection.on('state', onState);
      return () => this.connection.off('state', onState);
    });
    this.connection.open();
    try {
      if (!(await connected)) throw this.connectTimeout(deadline.timeoutMs!);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private connectTimeout(timeoutMs: number): ConnectTimeoutError {
    const cause = this.connection.lastSocketError;
    return new ConnectTimeoutError(this.connectString, timeoutMs, cause ? { cause } : undefined);
  }

  /** CONNECTED or RECONNECTED, and not closed: a request sent now goes out at once. */
  get isConnected(): boolean {
    const state = this.connection.state;
    return !this.closePromise && (state === 'CONNECTED' || state === 'RECONNECTED');
  }

  /**
   * Resolves once connected (at once when connected now); rejects with ConnectTimeoutError
   * after `timeoutMs` (default: no limit), the signal's reason, or ClientClosedError.
   */
  async blockUntilConnected(options: WaitOptions): Promise<void> {
    const deadline = waitDeadline(options, undefined);
    if (this.closePromise) throw new ClientClosedError();
    if (this.isConnected) return;
    // joinSignals, not AbortSignal.any(): the closing signal lives as long as the client.
    const wait = joinSignals([options.signal, this.closing.signal]);
    try {
      const connected = await waitFor<true>(deadline.withSignal(wait.signal), (settle) => {
        const onState = (c: { state: string }) => {
          if (c.state === 'CONNECTED' || c.state === 'RECONNECTED') settle(true);
        };
        this.connection.on('state', onState);
        return () => this.connection.off('state', onState);
      });
      if (!connected) throw this.connectTimeout(deadline.timeoutMs!);
    } finally {
      wait.dispose();
    }
  }

  /** Closes once; `timeoutMs` (checked by the caller) bounds the wait for the server. */
  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing.abort(new ClientClosedError());
      this.background.close();
      await this.connection.close(timeoutMs);
    })();
    return this.closePromise;
  }
}

/**
 * The deadline of start() or blockUntilConnected(), its options checked first (a bad signal
 * would throw a TypeError; Deadline.of checks the timeout).
 */
function waitDeadline(options: WaitOptions, defaultMs: number | undefined): Deadline {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'options must be an object');
  }
  checkSignal(options.signal);
  return Deadline.of({ timeoutMs: options.timeoutMs ?? defaultMs });
}

/**
 * How long close() waits, by default, for the server to confirm the session's end (its
 * ephemerals go then): only while connected; a client without a connection closes at once.
 */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2000;
