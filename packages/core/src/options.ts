import { z } from 'zod';
import { InvalidArgumentError } from './errors.js';

const hostPort = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/;

/** `host:port[,host:port...][/chroot]` */
export const connectStringSchema = z
  .string()
  .min(1)
  .refine(
    (s) => {
      const slash = s.indexOf('/');
      const hosts = slash < 0 ? s : s.slice(0, slash);
      const chroot = slash < 0 ? '' : s.slice(slash);
      return (
        hosts.split(',').every((h) => hostPort.test(h.trim())) &&
        (chroot === '' || (chroot.length > 1 && !chroot.endsWith('/')))
      );
    },
    { message: 'expected host:port[,host:port...][/chroot]' },
  );

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
    connectionTimeoutMs: z.number().int().min(1).default(15_000),
    /** Deadline of every request that does not give its own. Default: the session timeout. */
    requestTimeoutMs: z.number().int().min(1).optional(),
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
    logger: z.custom<Logger>((v) => v === undefined || typeof v === 'object').optional(),
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

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Parses with zod and turns the first issue into an {@link InvalidArgumentError} naming the field. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : what;
  throw new InvalidArgumentError(field, `invalid ${what}: ${field}: ${issue.message}`, {
    cause: r.error,
  });
}
