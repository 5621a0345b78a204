/** Arguments of create: checked before anything is sent (the path by the client's toServer). */
import { toAcls, toBuffer } from './convert.js';
import { InvalidArgumentError } from './errors.js';
import type { RetryPolicy } from './framework/retry.js';
import type { FrameworkCreate } from './framework/nodes.js';
import {
  CREATE_FLAGS,
  type Acl,
  type CreateMode,
  type RequestOptions,
  type Stat,
} from './types.js';

export interface CreateOptions extends RequestOptions {
  mode?: CreateMode;
  /** The node's ACL; default: the client's ACL provider's for the path. */
  acl?: readonly Acl[];
  /** Time to live of a `*_WITH_TTL` node, in ms (required for those modes, refused otherwise). */
  ttlMs?: number;
  /** Create missing parents, as containers where the server can (persistent otherwise). */
  createParents?: boolean;
  /**
   * Protection mode (Curator's): the name gets a `_c_<uuid>-` prefix so that after a
   * connection loss the node can be found (it is ours) instead of created twice. Use it for
   * every sequential or ephemeral node whose loss or duplication matters.
   */
  protected?: boolean;
  /**
   * With `protected`: the protection id (a lower-case UUID) to use instead of a new one. Save it
   * before creating, and a repeat of the create after a restart finds the node the first try
   * made (for persistent nodes; an ephemeral of an older session is deleted and made anew).
   */
  protectedId?: string;
  signal?: AbortSignal;
  /** This call's retry policy instead of the client's (see CallOptions). */
  retryPolicy?: RetryPolicy;
}

/** What `create` returns: the path the server gave the node (sequential names differ), and its Stat. */
export interface CreateResult {
  path: string;
  stat: Stat;
}

const MAX_TTL_MS = 0xffffffffff; // ZooKeeper keeps a TTL in 40 bits (EphemeralType.TTL)

/**
 * The framework's arguments of a create, with the server version it needs. One object, built
 * without spreads: this runs on every create (bench/core-vs-raw.mjs).
 */
export function createArgs(
  path: string,
  data: unknown,
  options: CreateOptions,
): FrameworkCreate & { minServer: string } {
  const mode = options.mode ?? 'PERSISTENT';
  if (!Object.hasOwn(CREATE_FLAGS, mode)) {
    throw new InvalidArgumentError('mode', `unknown create mode ${String(mode)}`);
  }
  const ttl = mode.includes('TTL');
  const ttlMs = options.ttlMs;
  if (ttl !== (ttlMs !== undefined)) {
    const why = ttl ? `${mode} needs ttlMs` : 'ttlMs is only for *_WITH_TTL modes';
    throw new InvalidArgumentError('ttlMs', why, { path });
  }
  if (ttlMs !== undefined && !(Number.isInteger(ttlMs) && ttlMs > 0 && ttlMs <= MAX_TTL_MS)) {
    throw new InvalidArgumentError('ttlMs', 'ttlMs must be an integer in 1..2^40-1', { path });
  }
  if (options.protectedId !== undefined) {
    if (!options.protected)
      throw new InvalidArgumentError('protectedId', 'protectedId needs protected: true', { path });
    if (
      !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(options.protectedId)
    ) {
      throw new InvalidArgumentError('protectedId', 'protectedId must be a lower-case UUID', {
        path,
      });
    }
  }
  return {
    data: toBuffer(data),
    mode,
    flags: CREATE_FLAGS[mode],
    ttlMs,
    acls: options.acl === undefined ? undefined : toAcls(options.acl), // else the provider's
    createParents: options.createParents === true,
    protected: options.protected === true,
    protectedId: options.protectedId,
    timeoutMs: options.requestTimeoutMs,
    signal: options.signal,
    retryPolicy: options.retryPolicy,
    minServer: ttl ? '3.5.3' : '3.5.0',
  };
}
