import { z } from 'zod';
import { aclProviderSchema, type AclProvider } from './framework/acl.js';
import { retryPolicySchema } from './framework/retry.js';
import { parseConnectString } from './connect-string.js';

/** `host:port[,host:port...][/chroot]`, checked by ./connect-string.ts. */
export const connectStringSchema = z.string().superRefine((s, ctx) => {
  try {
    parseConnectString(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** The longest delay a Node timer takes: a longer one fires at once (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const clientOptionsSchema = z
  .object({
    connectString: connectStringSchema,
    /** Requested session timeout; the server may grant another (see `client.session`). */
    sessionTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(24 * 3600_000)
      .default(30_000),
    /** Default for `start()`: how long the first connect may take. */
    connectionTimeoutMs: z.number().int().min(1).max(MAX_TIMER_MS).default(15_000),
    /** Deadline of every request that does not give its own. Default: the session timeout. */
    requestTimeoutMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
    /** `standard`: SUSPENDED already counts as losing what the session holds (Curator's default). */
    errorPolicy: z.enum(['standard', 'session']).default('standard'),
    /** Credentials sent on every connection of every session, before any other request. */
    auth: z
      .array(
        z.object({
          scheme: z.string().min(1),
          credentials: z.union([z.string(), z.instanceof(Buffer)]),
        }),
      )
      .default([]),
    /** Checked here: each of debug, info, warn and error must be a function. */
    logger: z
      .custom<Logger>((v) => isLogger(v), {
        message: 'a logger needs debug, info, warn and error methods (pino-compatible)',
      })
      .optional(),
    /** Every path this client uses lives under `/<namespace>` (plus the chroot, if any). */
    namespace: z
      .string()
      .regex(/^[^/]+(\/[^/]+)*$/, 'a namespace is a relative path: "app" or "app/sub"')
      .optional(),
    /** How operations are retried on connection loss; default exponentialBackoff(). */
    retryPolicy: retryPolicySchema.optional(),
    /** ACLs of created nodes (parents included) when a call gives none; default open. */
    aclProvider: z
      .custom<AclProvider>((v) => aclProviderSchema.safeParse(v).success, {
        message: 'expected { defaultAcl: Acl[], forPath?: (path) => Acl[] | undefined }',
      })
      .optional(),
    /** The server's jute.maxbuffer: larger writes are refused before sending. Default 1 MiB. */
    maxPacketBytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
  })
  .strict();

export type ClientOptions = z.input<typeof clientOptionsSchema>;
export type ResolvedClientOptions = z.output<typeof clientOptionsSchema>;

/** A pino-compatible logger; silent when none is given. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function isLogger(v: unknown): v is Logger {
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
