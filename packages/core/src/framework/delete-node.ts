/**
 * The framework's delete: retried where a repeat is safe, recursive on request, and guaranteed
 * (finished in the background) when a connection loss leaves it unconfirmed. Paths are server
 * paths, as in ./nodes.ts.
 */
import * as ops from '../driver/ops.js';
import { DeleteRequest } from '../driver/wire.js';
import { isRetryable, NoNodeError, NotEmptyError, SessionExpiredError } from '../errors.js';
import { abortReason, untilAborted } from '../kit/abort.js';
import { childPath } from '../paths.js';
import { sessionFor } from './call-session.js';
import type { FrameworkContext } from './nodes.js';
import { publish, traced } from './observability.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface FrameworkDelete {
  version: number;
  guaranteed?: boolean;
  deleteChildren?: boolean;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** This delete's retry policy instead of the client's. */
  retryPolicy?: RetryPolicy | undefined;
}

/** Deletes `path` and everything under it, children first, each request on sessionFor(signal). */
async function deleteTree(
  ctx: FrameworkContext,
  path: string,
  version: number,
  timeoutMs?: number,
  signal?: AbortSignal,
): Promise<void> {
  for (;;) {
    let children: string[];
    try {
      children = (await ops.getChildren(sessionFor(ctx, signal), path, undefined, timeoutMs))
        .children;
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    }
    for (const c of children) await deleteTree(ctx, childPath(path, c), -1, timeoutMs, signal);
    try {
      await ops.remove(sessionFor(ctx, signal), path, version, timeoutMs);
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
 * the call still rejects, and a background job ({@link deferDelete}) keeps trying until the
 * node is gone, across reconnects and into a new session. The common case (not recursive; guaranteed or not) is one request and
 * one promise at first, as in {@link createNode}.
 */
export function deleteNode(ctx: FrameworkContext, path: string, o: FrameworkDelete): Promise<void> {
  const signal = o.signal;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const deleted = firstAttempt(ctx, path, o);
  if (signal === undefined) return deleted;
  // Raced with the signal from the first attempt, as a create is (ADR 0031): the first attempt
  // was written, or queued for a reconnect, and answered whatever the signal did, so a barrier's
  // remove with { timeoutMs } waited for the session's end while ZooKeeper was unreachable. A
  // guaranteed delete left before it succeeded keeps its guarantee: the background job finishes
  // it (one taken back unsent, or one whose answer is still to come).
  let done = false;
  deleted.then(
    () => (done = true),
    () => undefined,
  );
  return untilAborted(deleted, signal).catch((e: unknown) => {
    if (o.guaranteed && !done && signal.aborted) {
      // Subtree and all for deleteChildren: the aborted walk sends nothing more, and a plain
      // delete of a node with children fails NOTEMPTY on every try.
      deferDelete(ctx, path, () =>
        o.deleteChildren
          ? deleteTree(ctx, path, o.version)
          : ops.remove(ctx.raw(), path, o.version),
      );
    }
    throw e;
  });
}

function firstAttempt(ctx: FrameworkContext, path: string, o: FrameworkDelete): Promise<void> {
  // A guaranteed delete's first attempt takes the cheap path too (recipes release with one,
  // and a failover waits on it); a retryable failure goes on below, guarantee included.
  if (o.deleteChildren) return deleteWithRetry(ctx, path, o, undefined);
  return new Promise((resolve, reject) => {
    const raw = ctx.raw();
    // Queued for a reconnect, the delete is taken back if the caller aborts meanwhile: it must
    // not go out after the caller was told it failed (as createNode).
    const via = o.signal !== undefined && !raw.connected ? raw.withdrawing(o.signal) : raw;
    via.send(path, new DeleteRequest(path, o.version), o.timeoutMs, (err) => {
      if (err === null) resolve();
      else if (o.guaranteed && err instanceof SessionExpiredError) {
        // A persistent node does not go with the session: the delete goes on in the next one.
        deferDelete(ctx, path, () => ops.remove(ctx.raw(), path, o.version));
        reject(err);
      } else if (!isRetryable(err)) reject(err);
      else deleteWithRetry(ctx, path, o, err).then(resolve, reject);
    });
  });
}

/** deleteNode's general case; `failedOnce`: the error of a first attempt already made. */
async function deleteWithRetry(
  ctx: FrameworkContext,
  path: string,
  o: FrameworkDelete,
  failedOnce: unknown,
): Promise<void> {
  // `signal`: the caller's, while the caller waits; none for the background job, which goes on
  // after the caller left.
  const attempt = async (n: number, signal: AbortSignal | undefined) => {
    try {
      if (o.deleteChildren) await deleteTree(ctx, path, o.version, o.timeoutMs, signal);
      else await ops.remove(sessionFor(ctx, signal), path, o.version, o.timeoutMs);
    } catch (e) {
      if (n > 0 && e instanceof NoNodeError) return; // our earlier attempt went through
      throw e;
    }
  };
  try {
    if (failedOnce === undefined) {
      try {
        await attempt(0, o.signal); // outside the retry loop first (see createNode)
        return;
      } catch (e) {
        if (!isRetryable(e)) throw e;
        failedOnce = e;
      }
    }
    await withRetry((n) => attempt(n, o.signal), {
      policy: o.retryPolicy ?? ctx.retryPolicy,
      operation: 'delete',
      path,
      ...(o.signal ? { signal: o.signal } : {}),
      failedOnce,
    });
  } catch (e) {
    // A session that ended while the delete was retried is no reason to give up either: a
    // persistent node outlives it (a 2 s session expired during a partition, and a closed
    // ServiceDiscovery's STATIC instance was left for good).
    const retryable =
      isRetryable(e) || isRetryable((e as Error).cause) || e instanceof SessionExpiredError;
    if (!o.guaranteed || !retryable) throw e;
    deferDelete(ctx, path, () => attempt(1, undefined));
    // As Curator does: the caller still learns the delete is not confirmed yet.
    throw e;
  }
}

/**
 * The one background job that finishes a delete the caller could not wait for (a guaranteed
 * delete's, a release's): tried whenever connected, with backoff, until the node is gone.
 * `remove` sends the delete itself (its version, its recursion); a NONODE counts as done.
 * With `owner`, the node is an ephemeral of that session: on a later session it is normally
 * moot (gone with its session), but a session this client declared LOST may still live on
 * the server a while (another connection kept it: failure-modes.md, scenario 5) and its node
 * then blocks whoever waits behind it, so it is deleted if, and only if, it is still that
 * session's.
 */
export function deferDelete(
  ctx: FrameworkContext,
  path: string,
  remove: () => Promise<void>,
  owner?: bigint,
): void {
  ctx.background.add({
    describe: `guaranteed delete ${path}`,
    run: async () => {
      const raw = ctx.raw();
      if (owner !== undefined && raw.sessionId !== owner) {
        const stat = await traced('exists', path, () => ops.exists(raw, path, undefined));
        if (stat === null || stat.ephemeralOwner !== owner) return;
      }
      try {
        await traced('delete', path, remove);
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
    },
  });
  publish('recipe', { recipe: 'guaranteed-delete', event: 'deferred', path });
}
