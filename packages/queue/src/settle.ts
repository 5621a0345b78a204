/**
 * What a claim's settling requests share: the context a claim needs of its queue, the rule
 * that its multis go out only on the session that made the lock node, the lock node's drop,
 * and the dead-letter move.
 */
import {
  isRetryable,
  type MultiOp,
  type Serializer,
  type Stat,
  type ZkClient,
} from '@zk-recipes/core';
import { childPath, findLostCreate, requestSessionId } from '@zk-recipes/core/recipe';
import { ClaimLostError } from './errors.js';
import { encodeFrame } from './frame.js';
import type { DeliveryMode } from './message.js';
import { ITEM_PREFIX, type Naming } from './names.js';

/** What a claim needs of its queue. */
export interface ClaimContext<T> {
  client: ZkClient;
  queuePath: string;
  lockPath: string;
  mode: DeliveryMode;
  serializer: Serializer<T>;
  naming: Naming;
  /** Requeues allowed per node before it is dead-lettered (or dropped and reported). */
  retryLimit: number;
  deadLetterPath: string | undefined;
  lockData: Buffer;
  report(error: unknown): void;
  deadLettered(letter: DeadLetter): void;
}

/** Items that left the queue without being processed: dead-lettered, or dropped. */
export interface DeadLetter {
  /** The queue node they came from. */
  readonly name: string;
  /** Their bytes (the serializer's output); for a corrupt node, the node's data as it was. */
  readonly items: readonly Buffer[];
  /** Why: the handler's last error, or the CorruptItemError. */
  readonly reason: unknown;
  /** The node made under the dead-letter path, or undefined when dropped. */
  readonly deadLetterNode: string | undefined;
}

/** One taken node's identity: where it is, where its lock node is, which session holds that. */
export interface Held {
  readonly itemPath: string;
  readonly lockNode: string;
  readonly sessionId: bigint;
}

/** Deletes our lock node (guaranteed), unless it went with its session already. */
export async function dropLock(
  client: ZkClient,
  lockNode: string,
  sessionId: bigint,
): Promise<void> {
  // Went with its session. Not `client.session`: after a LOST it names the lost session while
  // requests go out on the new one, where this delete would take another consumer's lock node.
  if (requestSessionId(client) !== sessionId) return;
  await client.delete(lockNode, { version: 0, guaranteed: true }).catch(() => undefined);
}

/**
 * Sends `ops` on the session that holds the lock node, never on a later one: if that session
 * ended, the lock node went with it and another consumer may hold the item now, so the multi
 * is refused (ClaimLostError) instead of completing the item a second time (CURATOR-605).
 */
export async function onOurSession(
  client: ZkClient,
  held: Held,
  ops: MultiOp[],
  what: string,
): Promise<void> {
  // The session requests go out on now (client.session names a lost one until the next is made).
  if (requestSessionId(client) !== held.sessionId) {
    throw new ClaimLostError(held.itemPath, `${what}: the session that took it ended`);
  }
  try {
    await client.multi(ops);
  } catch (e) {
    if (!isRetryable(e)) {
      throw new ClaimLostError(held.itemPath, `${what}: ${(e as Error).message}`, e);
    }
    // The reply was lost. While the session lives, only this multi deletes our lock node:
    // gone means it committed; still ours means it did not, and it is sent again.
    const stat = await lockAfterLostReply(client, held);
    const same = requestSessionId(client) === held.sessionId;
    if (stat === null && same) return;
    if (stat && stat.ephemeralOwner === held.sessionId && same) {
      return onOurSession(client, held, ops, what);
    }
    // Unknown still: the lock node must not outlive this (the item would be stuck while the
    // session lives). Deleted in the background; the item, if still there, goes out again.
    if (same) void dropLock(client, held.lockNode, held.sessionId);
    throw new ClaimLostError(held.itemPath, `${what}: the outcome is unknown`, e);
  }
}

/**
 * The lock node's Stat after a lost reply: asked again (after a sync) until answered while the
 * session that holds it lives, so that a claim or an ack which committed is known as committed
 * rather than taken as not made or reported as of unknown outcome. Undefined once that session
 * is over or the client closed (its lock node went, or goes, with it). The kit's
 * findLostCreate, which says why the sync.
 */
export async function lockAfterLostReply(
  client: ZkClient,
  held: Held,
): Promise<Stat | null | undefined> {
  const found = await findLostCreate(client, held.lockNode, {
    sessionId: held.sessionId,
    untilAnswered: true,
  });
  return found === undefined ? undefined : (found?.stat ?? null);
}

/** The ops that delete our lock node and the item (at the version read) together. */
export function lockAndItem(held: Held, version: number): MultiOp[] {
  return [
    { op: 'delete', path: held.lockNode, version: 0 },
    { op: 'delete', path: held.itemPath, version },
  ];
}

/**
 * Moves `items` (or the node's bytes as they were, for a corrupt node) to the dead-letter
 * path as a plain queue node, deleting the item (and our lock) in the same multi; without a
 * dead-letter path, deletes them and reports them (Curator deletes a corrupt item, too).
 * Resolves with the node made under the dead-letter path, if any.
 */
export async function moveToDeadLetters<T>(
  ctx: ClaimContext<T>,
  held: Held,
  version: number,
  items: Buffer[],
  corrupt: boolean,
): Promise<string | undefined> {
  const { deadLetterPath } = ctx;
  const data = corrupt ? items[0]! : encodeFrame(items);
  const ops: MultiOp[] = [];
  if (ctx.mode === 'at-least-once') ops.push(...lockAndItem(held, version));
  if (deadLetterPath !== undefined) {
    ops.push({
      op: 'create',
      path: childPath(deadLetterPath, ITEM_PREFIX),
      data,
      mode: 'PERSISTENT_SEQUENTIAL',
    });
  }
  if (ops.length === 0) return undefined;
  const results = await ctx.client.multi(ops).catch((e: unknown) => {
    ctx.report(e);
    return undefined;
  });
  if (results === undefined && ctx.mode === 'at-least-once') {
    await dropLock(ctx.client, held.lockNode, held.sessionId);
  }
  const created = results?.find((r) => r.op === 'create');
  return created?.op === 'create' ? created.path : undefined;
}
