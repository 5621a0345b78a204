/**
 * The framework's create and delete: parents made as containers, protection mode, retries only
 * where a repeat is safe, ACLs from the provider, writes over the packet limit refused, and
 * deletes that are guaranteed or recursive. Paths here are server paths (namespace applied,
 * chroot not: node-zookeeper-client adds that).
 */
import { randomUUID } from 'node:crypto';
import { stripChroot, toNzcAcls, toStat } from '../convert.js';
import { create2, type Create2Args } from '../driver/requests.js';
import * as ops from '../driver/ops.js';
import type { RawSession } from '../driver/raw-session.js';
import {
  DataTooLargeError,
  isRetryable,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
} from '../errors.js';
import type { NzcAcl } from '../driver/nzc.js';
import type { Acl } from '../types.js';
import type { CreateMode, Stat } from '../types.js';
import { aclFor, type AclProvider } from './acl.js';
import type { Background } from './background.js';
import { publish } from './observability.js';
import { withRetry, type RetryPolicy } from './retry.js';

/** What the framework needs from the client it works for. */
export interface FrameworkContext {
  raw(): RawSession;
  retryPolicy: RetryPolicy;
  aclProvider: AclProvider;
  maxPacketBytes: number;
  background: Background;
  chroot: string | undefined;
}

/** The provider's ACLs as node-zookeeper-client objects, converted once per ACL list. */
const converted = new WeakMap<readonly Acl[], NzcAcl[]>();
export function providerAcls(provider: AclProvider, path: string): NzcAcl[] {
  const acl = aclFor(provider, path);
  let c = converted.get(acl);
  if (!c) {
    c = toNzcAcls(acl);
    converted.set(acl, c);
  }
  return c;
}

/** Parent and name of an already validated path (no second validation on the hot path). */
function split(path: string): { parent: string; name: string } {
  const i = path.lastIndexOf('/');
  return { parent: i === 0 ? '/' : path.slice(0, i), name: path.slice(i + 1) };
}

/** Curator's protection prefix: `_c_` + a lower-case UUID + `-` (curator-protocol.md). */
export const PROTECTED_PREFIX = '_c_';
const PROTECTED_LENGTH = 40;

export function protectedName(uuid: string, name: string): string {
  return `${PROTECTED_PREFIX}${uuid}-${name}`;
}

/** Whether a node name carries a protection prefix. */
export function isProtectedName(name: string): boolean {
  return name.length > PROTECTED_LENGTH && name.startsWith(PROTECTED_PREFIX) && name[39] === '-';
}

/** A request's size as the server measures it, roughly: data plus path plus headers and ACLs. */
export function checkPacket(
  ctx: Pick<FrameworkContext, 'maxPacketBytes'>,
  path: string,
  dataBytes: number,
): void {
  const bytes = dataBytes + Buffer.byteLength(path) + 1024;
  if (bytes > ctx.maxPacketBytes) throw new DataTooLargeError(dataBytes, ctx.maxPacketBytes, path);
}

export interface FrameworkCreate {
  data: Buffer;
  mode: CreateMode;
  flags: number;
  ttlMs?: number;
  /** Explicit ACL (already converted); else the provider's for the path. */
  acls?: Create2Args['acls'];
  createParents?: boolean;
  protected?: boolean;
  /** The protection id to use (a UUID) instead of a new one. */
  protectedId?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Called right after the create request is queued (first attempt), so a caller can queue
   * another request behind it: ZooKeeper answers one session's requests in order.
   */
  onQueued?: (raw: RawSession) => void;
}

/**
 * Creates `path` and its missing ancestors: as containers (persistent where the server is
 * older), or persistent with `containers: false`.
 */
export async function mkdirs(
  ctx: FrameworkContext,
  path: string,
  signal?: AbortSignal,
  options: { containers?: boolean } = {},
): Promise<void> {
  let current = '';
  for (const part of path.split('/').filter(Boolean)) {
    current += `/${part}`;
    const node = current;
    await withRetry(
      async () => {
        // The session of this attempt: a retry may run on a new one.
        const raw = ctx.raw();
        const asContainer = options.containers !== false && raw.serverAtLeast('3.5.1');
        try {
          await create2(raw, {
            path: node,
            data: Buffer.alloc(0),
            acls: providerAcls(ctx.aclProvider, node),
            flags: asContainer ? 4 : 0,
          });
        } catch (e) {
          if (!(e instanceof NodeExistsError)) throw e;
        }
      },
      { policy: ctx.retryPolicy, operation: 'mkdirs', path: node, ...(signal ? { signal } : {}) },
    );
  }
}

/** Every child of `parent` whose name starts with `prefix`, as full paths. */
async function findProtected(raw: RawSession, parent: string, prefix: string): Promise<string[]> {
  try {
    const { children } = await ops.getChildren(raw, parent, undefined);
    return children
      .filter((c) => c.startsWith(prefix))
      .map((c) => `${parent === '/' ? '' : parent}/${c}`);
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
}

/**
 * Creates a node the framework's way. Returns its path (server path without chroot) and Stat.
 * - Sequential creates are repeated after a connection loss only when protected: an unprotected
 *   repeat could leave a second node (failure-scenarios.md 1).
 * - Protected: the name gets `_c_<uuid>-`; before each repeat the parent is listed for that
 *   prefix, and a node found there is ours, unless it is an ephemeral of an older session,
 *   which is deleted and created anew (CURATOR-604). If the create is finally given up, a
 *   background job deletes whatever it may have left.
 */
export async function createNode(
  ctx: FrameworkContext,
  path: string,
  o: FrameworkCreate,
): Promise<{ path: string; stat: Stat }> {
  checkPacket(ctx, path, o.data.length);
  const { parent, name: lastName } = split(path);
  let target = path;
  let prefix: string | undefined;
  if (o.protected) {
    prefix = `${PROTECTED_PREFIX}${o.protectedId ?? randomUUID()}-`;
    const name = o.mode.includes('SEQUENTIAL') && path.endsWith('/') ? '' : lastName;
    target = `${parent === '/' ? '' : parent}/${prefix}${name}`;
  }
  const sequential = o.mode.includes('SEQUENTIAL');
  const ephemeral = o.mode.startsWith('EPHEMERAL');
  const acls = o.acls ?? providerAcls(ctx.aclProvider, target);
  const once = async (): Promise<{ path: string; stat: Stat }> => {
    const raw = ctx.raw();
    const args: Create2Args = { path: target, data: o.data, acls, flags: o.flags };
    if (o.ttlMs !== undefined) args.ttlMs = o.ttlMs;
    try {
      const pending = create2(raw, args, o.timeoutMs);
      o.onQueued?.(raw);
      const r = await pending;
      return { path: stripChroot(r.path, ctx.chroot), stat: toStat(r.stat) };
    } catch (e) {
      if (!(e instanceof NoNodeError) || !o.createParents) throw e;
      await mkdirs(ctx, parent, o.signal);
      const r = await create2(ctx.raw(), args, o.timeoutMs);
      return { path: stripChroot(r.path, ctx.chroot), stat: toStat(r.stat) };
    }
  };
  const recover = async (): Promise<{ path: string; stat: Stat } | undefined> => {
    if (prefix === undefined) return undefined;
    const raw = ctx.raw();
    // Every node with our prefix, not just the first: one may be an ephemeral of an older
    // session (about to vanish: taking it would make a holder of a dying node, CURATOR-604),
    // which is deleted, while another is the one this session made.
    let mine: { path: string; stat: Stat } | undefined;
    for (const found of await findProtected(raw, parent, prefix)) {
      const stat = await ops.exists(raw, found, undefined);
      if (stat === null) continue;
      const s = toStat(stat);
      if (ephemeral && s.ephemeralOwner !== raw.sessionId) {
        await ops.remove(raw, found, -1).catch((e: unknown) => {
          if (!(e instanceof NoNodeError)) throw e;
        });
      } else {
        mine ??= { path: stripChroot(found, ctx.chroot), stat: s };
      }
    }
    return mine;
  };
  if (sequential && !o.protected) return once(); // not safe to repeat
  let failedOnce: unknown;
  if (!o.protected) {
    // The common case first, outside the retry loop: its async layers cost a measurable share
    // of client CPU at thousands of creates a second (bench/core-vs-raw.mjs). A retryable
    // failure hands over to the loop, which goes on as if it had made this attempt.
    try {
      return await once();
    } catch (e) {
      if (!isRetryable(e)) throw e;
      failedOnce = e;
    }
  }
  try {
    return await withRetry(
      async (n) => {
        if (n > 0) {
          const mine = await recover();
          if (mine) {
            publish('recipe', { recipe: 'protected-create', event: 'recovered', path: mine.path });
            return mine;
          }
        }
        return once();
      },
      {
        policy: ctx.retryPolicy,
        operation: 'create',
        path,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(failedOnce === undefined ? {} : { failedOnce }),
      },
    );
  } catch (e) {
    if (prefix !== undefined && (isRetryable(e) || isRetryable((e as Error).cause))) {
      const p = prefix;
      ctx.background.add({
        describe: `delete abandoned protected create ${parent}/${p}*`,
        run: async () => {
          const raw = ctx.raw();
          for (const found of await findProtected(raw, parent, p)) {
            await ops.remove(raw, found, -1).catch((err: unknown) => {
              if (!(err instanceof NoNodeError)) throw err;
            });
          }
        },
      });
    }
    throw e;
  }
}

export interface FrameworkDelete {
  version: number;
  guaranteed?: boolean;
  deleteChildren?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

async function deleteTree(
  ctx: FrameworkContext,
  path: string,
  version: number,
  timeoutMs?: number,
): Promise<void> {
  for (;;) {
    const raw = ctx.raw();
    let children: string[];
    try {
      children = (await ops.getChildren(raw, path, undefined, timeoutMs)).children;
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    }
    for (const c of children)
      await deleteTree(ctx, `${path === '/' ? '' : path}/${c}`, -1, timeoutMs);
    try {
      await ops.remove(ctx.raw(), path, version, timeoutMs);
      return;
    } catch (e) {
      if (e instanceof NoNodeError) return;
      if (!(e instanceof NotEmptyError)) throw e; // a child appeared meanwhile: go round again
    }
  }
}

/**
 * Deletes a node (and its subtree with deleteChildren). Retried on connection loss; a NONODE on
 * a repeat means an earlier attempt did it. Guaranteed: when the delete cannot be confirmed,
 * the call still rejects, and a background job keeps trying until the node is gone, across
 * reconnects and into a new session, unless the node is an ephemeral of an older session (the
 * server removes it).
 */
export async function deleteNode(
  ctx: FrameworkContext,
  path: string,
  o: FrameworkDelete,
): Promise<void> {
  const attempt = async (n: number) => {
    try {
      if (o.deleteChildren) await deleteTree(ctx, path, o.version, o.timeoutMs);
      else await ops.remove(ctx.raw(), path, o.version, o.timeoutMs);
    } catch (e) {
      if (n > 0 && e instanceof NoNodeError) return; // our earlier attempt went through
      throw e;
    }
  };
  const sessionAtStart = (() => {
    try {
      return ctx.raw().sessionId;
    } catch {
      return 0n;
    }
  })();
  try {
    let failedOnce: unknown;
    try {
      await attempt(0); // outside the retry loop first (see createNode)
      return;
    } catch (e) {
      if (!isRetryable(e)) throw e;
      failedOnce = e;
    }
    await withRetry(attempt, {
      policy: ctx.retryPolicy,
      operation: 'delete',
      path,
      ...(o.signal ? { signal: o.signal } : {}),
      failedOnce,
    });
  } catch (e) {
    const retryable = isRetryable(e) || isRetryable((e as Error).cause);
    if (!o.guaranteed || !retryable) throw e;
    ctx.background.add({
      describe: `guaranteed delete ${path}`,
      run: async () => {
        const raw = ctx.raw();
        const stat = await ops.exists(raw, path, undefined);
        if (stat === null) return;
        const owner = toStat(stat).ephemeralOwner;
        if (owner !== 0n && owner !== raw.sessionId && owner === sessionAtStart) return; // dies with its session
        await attempt(1);
      },
    });
    publish('recipe', { recipe: 'guaranteed-delete', event: 'deferred', path });
    // As Curator does: the caller still learns the delete is not confirmed yet.
    throw e;
  }
}

/** Makes sure `path` and its ancestors exist (as containers where the server can). */
export async function ensurePath(
  ctx: FrameworkContext,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  await mkdirs(ctx, path, signal);
}
