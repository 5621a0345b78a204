/**
 * The schemas that check createClient's options. Apart from options.ts (the documented
 * ClientOptions) so that no declaration users compile against imports zod's types: zod's
 * declarations need esModuleInterop, which a CommonJS project may not have.
 */
import type { z } from 'zod';
import type { AclProvider } from './framework/acl.js';
import type { RetryPolicy } from './framework/retry.js';
import { lazy } from './lazy-zod.js';
import { parseConnectString } from './connect-string.js';
import { isLogger, MAX_TIMER_MS, type ClientOptions, type Logger } from './options.js';

const retryPolicySchema = lazy((z) =>
  z.custom<RetryPolicy>(
    (v) =>
      typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string',
    { message: 'expected a retry policy (exponentialBackoff(), retryNTimes(), ...)' },
  ),
);

const aclProviderSchema = lazy((z) =>
  z.object({
    defaultAcl: z
      .array(
        z.object({
          perms: z.number().int().min(0).max(31),
          scheme: z.string().min(1),
          id: z.string(),
        }),
      )
      .min(1),
    forPath: z.function().optional(),
  }),
);

/** `host:port[,host:port...][/chroot]`, checked by ./connect-string.ts. */
export const connectStringSchema = lazy((z) =>
  z.string().superRefine((s, ctx) => {
    try {
      parseConnectString(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
);

export const clientOptionsSchema = lazy((z) =>
  z
    .object({
      connectString: connectStringSchema(),
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
      retryPolicy: retryPolicySchema().optional(),
      /** ACLs of created nodes (parents included) when a call gives none; default open. */
      aclProvider: z
        .custom<AclProvider>((v) => aclProviderSchema().safeParse(v).success, {
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
    .strict(),
);

/** The options after defaults, as the client uses them. */
export type ResolvedClientOptions = z.output<ReturnType<typeof clientOptionsSchema>>;

type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SchemaInput = z.input<ReturnType<typeof clientOptionsSchema>>;
/**
 * Compile-time check: {@link ClientOptions} (what users read) and the schema (what is
 * enforced) accept the same objects. A field added to one and not the other fails the build.
 * @internal
 */
export type ClientOptionsInStep = [
  MutuallyAssignable<ClientOptions, SchemaInput>,
  // Optional fields make {a, b?} and {a} assignable both ways: the names are compared too.
  MutuallyAssignable<keyof ClientOptions, keyof SchemaInput>,
] extends [true, true]
  ? true
  : never;
export const clientOptionsInStep: ClientOptionsInStep = true;
