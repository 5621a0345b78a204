import { z } from 'zod';
import { aclProviderSchema, type AclProvider } from './framework/acl.js';
import { retryPolicySchema } from './framework/retry.js';

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

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
