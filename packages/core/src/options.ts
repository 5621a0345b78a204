import type { AclProvider } from './framework/acl.js';
import type { RetryPolicy } from './framework/retry.js';
import type { ErrorPolicy } from './states.js';

/** The longest delay a Node timer takes: a longer one fires at once (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The options of `createClient()`. Every one is checked when the client is made: a bad one
 * throws `InvalidArgumentError` whose `field` names it.
 */
export interface ClientOptions {
  /**
   * The servers of the ensemble, `host:port[,host:port...]`, and an optional chroot every path
   * of this client is under: `'zk1:2181,zk2:2181,zk3:2181/my-app'`.
   */
  connectString: string;
  /**
   * Requested session timeout in ms, 100 to 24 h. The server may grant another, within its
   * `minSessionTimeout` and `maxSessionTimeout` (see `client.session`).
   * @defaultValue 30_000
   */
  sessionTimeoutMs?: number;
  /**
   * How long `start()` waits for the first connection, in ms, when it is given no `timeoutMs`.
   * @defaultValue 15_000
   */
  connectionTimeoutMs?: number;
  /**
   * Deadline of every request that does not give its own `requestTimeoutMs`, in ms.
   * @defaultValue the session timeout
   */
  requestTimeoutMs?: number;
  /**
   * When what the session holds (locks, leadership) counts as lost: `standard` already on
   * SUSPENDED (Curator's default), `session` only on LOST. See docs/connection-states.md.
   * @defaultValue 'standard'
   */
  errorPolicy?: ErrorPolicy;
  /**
   * Credentials sent on every connection of every session, before any other request:
   * `[{ scheme: 'digest', credentials: 'user:password' }]`.
   * @defaultValue []
   */
  auth?: { scheme: string; credentials: string | Buffer }[];
  /**
   * Where the client logs state changes and background failures; pino's signature, so a pino
   * logger fits as is.
   * @defaultValue a silent logger
   */
  logger?: Logger;
  /**
   * Every path this client uses lives under `/<namespace>` (plus the chroot, if any): `'app'`
   * or `'app/sub'`. The namespace node is created on the first create.
   * @defaultValue none
   */
  namespace?: string;
  /**
   * How operations are retried on connection loss, operation timeout and session moved.
   * @defaultValue exponentialBackoff(): 5 retries, 100 ms base, at most 10 s
   */
  retryPolicy?: RetryPolicy;
  /**
   * The ACL of every node created (parents included) when a call gives none.
   * @defaultValue OPEN_ACL_UNSAFE for every path
   */
  aclProvider?: AclProvider;
  /**
   * The server's `jute.maxbuffer`, in bytes, at least 1024: larger writes are refused with
   * `DataTooLargeError` before they are sent (the server would drop the connection).
   * @defaultValue 1_048_576 (1 MiB, the server's default)
   */
  maxPacketBytes?: number;
}

/** A pino-compatible logger; silent when none is given. */
export interface Logger {
  /** Details, such as background jobs to be retried. */
  debug(obj: object, msg?: string): void;
  /** Every connection state change. */
  info(obj: object, msg?: string): void;
  /** Something went wrong and was handled: a background job given up, watches not re-armed. */
  warn(obj: object, msg?: string): void;
  /** A listener or watcher of yours threw. */
  error(obj: object, msg?: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Whether `v` has every level a logger needs (checked at createClient). */
export function isLogger(v: unknown): v is Logger {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return LEVELS.every((level) => typeof o[level] === 'function');
}

/**
 * The user's logger, called so that a level that throws cannot throw into the client (the
 * connection calls it from socket handlers and timers: a throw there would crash the process).
 */
export function guardedLogger(logger: Logger): Logger {
  const guard =
    (level: (typeof LEVELS)[number]) =>
    (obj: object, msg?: string): void => {
      try {
        logger[level](obj, msg);
      } catch {
        // Nowhere better to say it: the logger is the place we report to.
      }
    };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Listener errors go to the user's logger at `error`; without a logger, to
 * `process.emitWarning` (code `ZK_RECIPES_LISTENER_ERROR`): a listener that throws is a bug the
 * user must hear of, and the silent default logger would hide it.
 */
export function listenerErrorReporter(
  logger: Logger | undefined,
): (err: unknown, what: string, state?: string) => void {
  if (logger) return (err, what, state) => logger.error({ err, state }, `${what} threw`);
  return (err, what, state) =>
    process.emitWarning(
      `${what}${state ? ` (on ${state})` : ''} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      {
        type: 'ZkRecipesWarning',
        code: 'ZK_RECIPES_LISTENER_ERROR',
      },
    );
}
