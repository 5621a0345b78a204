/**
 * The framework's create: parents made as containers, protection mode (./protection.ts),
 * retries only where a repeat is safe, ACLs from the provider, writes over the packet limit
 * refused (deletes: ./delete-node.ts). Paths here are server paths (namespace applied,
 * chroot not: node-zookeeper-client adds that).
 */
import { randomUUID } from 'node:crypto';
import { create2, createdNode, type Create2Args } from '../driver/requests.js';
import { CreateRequest } from '../driver/wire.js';
import type { RawSession } from '../driver/raw-session.js';
import {
  DataTooLargeError,
  isRetryable,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
} from '../errors.js';
import { Perms, type Acl } from '../types.js';
import type { CreateMode, Stat } from '../types.js';
import { aclFor, type AclProvider } from './acl.js';
import type { Background } from './background.js';
import { sessionFor } from './call-session.js';
import { publish, traced } from './observability.js';
import { abandonProtected, protectedName, protectedPath, recoverProtected } from './protection.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { abortReason, untilAborted } from '../kit/abort.js';

/** What the framework needs from the client it works for. */
export interface FrameworkContext {
  raw(): RawSession;
  retryPolicy: RetryPolicy;
  aclProvider: AclProvider;
  maxPacketBytes: number;
  background: Background;
  chroot: string | undefined;
}

/**
 * The provider's ACL for `path`, as it gives it: the driver checks and converts each list once
 * (driver/acls.ts), so a provider's lists cost a lookup per create.
 */
export function providerAcls(provider: AclProvider, path: string): readonly Acl[] {
  return aclFor(provider, path);
}

/** Parent and name of an already validated path (no second validation on the hot path). */
function split(path: string): { parent: string; name: string } {
  const i = path.lastIndexOf('/');
  return { parent: i === 0 ? '/' : path.slice(0, i), name: path.slice(i + 1) };
}

/** What a request needs besides its data and path, reckoned generously: headers and ACLs. */
const PACKET_OVERHEAD_BYTES = 1024;

/** A request's size as the server measures it, roughly: data plus path plus headers and ACLs. */
export function checkPacket(
  ctx: Pick<FrameworkContext, 'maxPacketBytes'>,
  path: string,
  dataBytes: number,
): void {
  const bytes = dataBytes + Buffer.byteLength(path) + PACKET_OVERHEAD_BYTES;
  if (bytes > ctx.maxPacketBytes) {
    throw new DataTooLargeError(bytes, ctx.maxPacketBytes, path, dataBytes, PACKET_OVERHEAD_BYTES);
  }
}

export interface FrameworkCreate {
  data: Buffer;
  mode: CreateMode;
  flags: number;
  ttlMs?: number | undefined;
  /** Explicit ACL (already checked and copied: convert.ts toAcls); else the provider's. */
  acls?: readonly Acl[] | undefined;
  createParents?: boolean;
  protected?: boolean;
  /** The protection id to use (a UUID) instead of a new one. */
  protectedId?: string | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** This create's retry policy instead of the client's. */
  retryPolicy?: RetryPolicy | undefined;
  /**
   * Called right after the create request is queued (first attempt), so a caller can queue
   * another request behind it: ZooKeeper answers one session's requests in order.
   */
  onQueued?: (raw: RawSession) => void;
}

/**
 * Whether `acls` lets anyone do anything (OPEN_ACL_UNSAFE, or a list with world:anyone ALL):
 * only then may a parent be a container. The server deletes an empty container, and whoever
 * creates it next gives it their ACL: a parent made under a restrictive ACL must stay, or its
 * protection goes with the last child (an anonymous client then re-created `/secure/leader`
 * with world:anyone and became leader).
 */
function isOpen(acls: readonly Acl[]): boolean {
  return acls.some((a) => a.scheme === 'world' && a.id === 'anyone' && a.perms === Perms.ALL);
}

/**
 * Creates `path` and its missing ancestors: as containers (persistent where the server is
 * older, or where the ACL provider gives the node a restrictive ACL: see isOpen), or
 * persistent with `containers: false`.
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
        // The session of this attempt (a retry may run on a new one), carrying the signal: a
        // parent queued for a reconnect is taken back if the caller aborts meanwhile.
        const raw = sessionFor(ctx, signal);
        const acls = providerAcls(ctx.aclProvider, node);
        const asContainer =
          options.containers !== false && raw.serverAtLeast('3.5.1') && isOpen(acls);
        try {
          await create2(raw, {
            path: node,
            data: Buffer.alloc(0),
            acls,
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

/**
 * Creates a node the framework's way. Returns its path (server path without chroot) and Stat.
 * - Sequential creates are repeated after a connection loss only when protected: an unprotected
 *   repeat could leave a second node (docs/failure-modes.md, 1: lost create reply).
 * - Protected: the name gets `_c_<uuid>-`; before each repeat the parent is listed for that
 *   prefix, and a node found there is ours, unless it is an ephemeral of an older session,
 *   which is deleted and created anew (CURATOR-604). If the create is finally given up, a
 *   background job deletes whatever it may have left.
 *
 * Every create's first attempt is one request and one promise: a callback on the reply settles
 * it, and only a failure that needs more (a retryable error, or a missing parent with
 * createParents) hands over to the retry loop, which goes on as if it had made that attempt,
 * with the same protection id. Async functions nested four deep (a promise and a microtask
 * each) were part of why core used more client CPU than the raw package for creates and
 * deletes with many in flight, and the protected create of every lock acquire took that road
 * too (ADR 0010).
 */
export function createNode(
  ctx: FrameworkContext,
  path: string,
  o: FrameworkCreate,
): Promise<{ path: string; stat: Stat }> {
  if (o.signal?.aborted) return Promise.reject(abortReason(o.signal));
  const protectedId = o.protected ? (o.protectedId ?? randomUUID()) : undefined;
  const created = new Promise<{ path: string; stat: Stat }>((resolve, reject) => {
    checkPacket(ctx, path, o.data.length);
    const target = protectedId === undefined ? path : protectedPath(path, protectedId, o.mode);
    const acls = o.acls ?? providerAcls(ctx.aclProvider, target);
    const request = new CreateRequest(target, o.data, acls, o.flags, o.ttlMs);
    const raw = ctx.raw();
    // Queued for a reconnect, the create is taken back if the caller aborts meanwhile (a
    // recipe closed while ZooKeeper is gone); connected, it is written at once and answered.
    const via = o.signal !== undefined && !raw.connected ? raw.withdrawing(o.signal) : raw;
    const send = () =>
      via.send(target, request, o.timeoutMs, (err, resp) => {
        if (err === null) {
          resolve(createdNode(raw, resp!));
          return;
        }
        // The rest of the way as before, without a second queued request behind it.
        const again = { ...o, protectedId, onQueued: undefined };
        if (err instanceof NoNodeError && o.createParents) {
          // Nothing was made: make the parents, then go on as the general path does.
          mkdirs(ctx, split(path).parent, o.signal)
            .then(() => createWithRetry(ctx, path, again, undefined))
            .then(resolve, reject);
        } else if (!isRetryable(err) || (o.mode.includes('SEQUENTIAL') && !o.protected)) {
          // An unprotected sequential create is never repeated: a repeat could make a second node.
          reject(err);
        } else {
          createWithRetry(ctx, path, again, err).then(resolve, reject);
        }
      });
    const onQueued = o.onQueued;
    if (onQueued === undefined) send();
    // What the caller queues right behind it leaves in the same write, at once.
    else
      raw.together(() => {
        send();
        onQueued(raw);
      });
  });
  const signal = o.signal;
  if (signal === undefined) return created;
  // Connected, the first attempt is written at once and nothing else races it with the signal:
  // on a silent connection a create outlived its call's deadline until the watchdog dropped the
  // connection (ADR 0031). A protected create left before its outcome was known is abandoned:
  // what it may have made is deleted in the background (failure mode 1).
  // Whether the create was answered before the caller left, told by its own settling rather
  // than by comparing the rejection with the abort's reason.
  let answered = false;
  const note = () => {
    answered = true;
  };
  created.then(note, note);
  return untilAborted(created, signal).catch((e: unknown) => {
    if (protectedId !== undefined && !answered && signal.aborted) {
      const abandon = () =>
        abandonProtected(
          ctx.background,
          () => ctx.raw(),
          split(path).parent,
          protectedName(protectedId, ''),
        );
      created.then(abandon, abandon);
    }
    throw e;
  });
}

/** createNode's general case; `failedOnce`: the error of a first attempt already made. */
async function createWithRetry(
  ctx: FrameworkContext,
  path: string,
  o: FrameworkCreate,
  failedOnce: unknown,
): Promise<{ path: string; stat: Stat }> {
  checkPacket(ctx, path, o.data.length);
  const { parent } = split(path);
  let target = path;
  let prefix: string | undefined;
  if (o.protected) {
    const id = o.protectedId ?? randomUUID();
    prefix = protectedName(id, '');
    target = protectedPath(path, id, o.mode);
  }
  const sequential = o.mode.includes('SEQUENTIAL');
  const ephemeral = o.mode.startsWith('EPHEMERAL');
  const acls = o.acls ?? providerAcls(ctx.aclProvider, target);
  // Every request of a repeat carries the signal (sessionFor): a retry still queued for a
  // reconnect when the caller aborted went out after the reconnect and made the node behind the
  // caller's back.
  const once = async (): Promise<{ path: string; stat: Stat }> => {
    const raw = sessionFor(ctx, o.signal);
    const args: Create2Args = { path: target, data: o.data, acls, flags: o.flags, ttlMs: o.ttlMs };
    try {
      return await create2(raw, args, o.timeoutMs);
    } catch (e) {
      if (!(e instanceof NoNodeError) || !o.createParents) throw e;
      await mkdirs(ctx, parent, o.signal);
      return await create2(sessionFor(ctx, o.signal), args, o.timeoutMs);
    }
  };
  const recover = () =>
    prefix === undefined
      ? Promise.resolve(undefined)
      : recoverProtected(sessionFor(ctx, o.signal), parent, prefix, ephemeral);
  if (sequential && !o.protected) return once(); // not safe to repeat
  if (!o.protected && failedOnce === undefined) {
    // The first attempt outside the retry loop, as createNode's common case makes it.
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
        policy: o.retryPolicy ?? ctx.retryPolicy,
        operation: 'create',
        path,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(failedOnce === undefined ? {} : { failedOnce }),
      },
    );
  } catch (e) {
    // A session's end after a retryable loss too: an earlier attempt may have made the node
    // (the request that met SessionExpiredError was never written, an earlier one was).
    if (
      prefix !== undefined &&
      (isRetryable(e) || isRetryable((e as Error).cause) || e instanceof SessionExpiredError)
    ) {
      abandonProtected(ctx.background, () => ctx.raw(), parent, prefix);
    }
    throw e;
  }
}

/**
 * Makes sure `path` and its ancestors exist (as containers where the server can and their ACL
 * is open).
 */
export async function ensurePath(
  ctx: FrameworkContext,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  await traced('ensurePath', path, () => mkdirs(ctx, path, signal));
}
