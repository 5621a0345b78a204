/**
 * What every view of one client shares (the root client and each usingNamespace() view): the
 * connection, the watch registries, credentials, the framework's settings, the background
 * worker, and the lifecycle.
 */
import { Connection } from './connection.js';
import { toBuffer } from './convert.js';
import type { RawSession } from './driver/raw-session.js';
import { ClientClosedError, ConnectTimeoutError } from './errors.js';
import { IllegalStateError } from './framework/lifecycle.js';
import { Deadline, waitFor } from './kit/deadline.js';
import { openAclProvider, type AclProvider } from './framework/acl.js';
import { Background } from './framework/background.js';
import type { FrameworkContext } from './framework/nodes.js';
import { publish } from './framework/observability.js';
import { exponentialBackoff, type RetryPolicy } from './framework/retry.js';
import { OneShotWatches } from './one-shot-watches.js';
import { clientOptionsSchema, silentLogger, type ClientOptions, type Logger } from './options.js';
import { PersistentWatches } from './persistent-watches.js';
import { parseOptions } from './validate.js';

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
    const o = parseOptions(clientOptionsSchema, options, 'client options');
    this.connectString = o.connectString;
    const slash = o.connectString.indexOf('/');
    this.chroot = slash < 0 ? undefined : o.connectString.slice(slash);
    this.namespace = o.namespace;
    this.auth = o.auth.map((a) => ({ scheme: a.scheme, auth: toBuffer(a.credentials, 'auth') }));
    this.retryPolicy = o.retryPolicy ?? exponentialBackoff();
    this.aclProvider = o.aclProvider ?? openAclProvider;
    this.maxPacketBytes = o.maxPacketBytes;
    this.logger = o.logger ?? silentLogger;
    const report = (err: unknown) => this.logger.error({ err }, 'a watch listener threw');
    this.watches = new OneShotWatches(report);
    this.persistent = new PersistentWatches(report);
    this.startTimeoutMs = o.connectionTimeoutMs;
    this.connection = new Connection({
      connectString: o.connectString,
      sessionTimeoutMs: o.sessionTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs ?? o.sessionTimeoutMs,
      errorPolicy: o.errorPolicy,
      auth: this.auth,
      logger: this.logger,
    });
    this.background = new Background(() => this.connection.raw?.connected ?? false, this.logger);
    this.connection.on('state', (c) => {
      publish('state', c);
      const raw = this.connection.raw;
      if (c.state === 'LOST') this.watches.sessionLost(raw);
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

  async start(options: { signal?: AbortSignal; timeoutMs?: number }): Promise<void> {
    if (this.closePromise) throw new ClientClosedError();
    if (this.started)
      throw new IllegalStateError(this.connection.state, 'start() was already called');
    const timeoutMs = options.timeoutMs ?? this.startTimeoutMs;
    const deadline = Deadline.of({ timeoutMs });
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
      if (!(await connected)) throw new ConnectTimeoutError(this.connectString, timeoutMs);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing.abort(new ClientClosedError());
      this.background.close();
      await this.connection.close();
    })();
    return this.closePromise;
  }
}
