/**
 * Taking one queue node for this consumer, in either delivery mode.
 *
 * At least once: `multi(check item, create lockPath/<item> EPHEMERAL)` takes it (Curator's
 * lock-safe layout; the check means no lock node is left for an item already gone), and the
 * item's read is written right behind it, in the same round trip: ZooKeeper answers one
 * session's requests in order, so once the claim succeeded the read saw the item with our lock
 * node in place, and nobody else changes a locked item. Then the items are handed out (claim.ts).
 *
 * At most once: Curator's default mode: read, delete (at the version read), then hand out.
 */
import { isRetryable, noRetry, NodeExistsError, NoNodeError, type Stat } from '@zk-recipes/core';
import { childPath, requestSessionId } from '@zk-recipes/core/recipe';
import { Claim } from './claim.js';
import { ClaimLostError, CorruptItemError } from './errors.js';
import { decodeFrame } from './frame.js';
import type { QueueListing } from './listing.js';
import { dropLock, lockAfterLostReply, type ClaimContext } from './settle.js';

export type Taken<T> = { claim: Claim<T> } | { skip: 'gone' | 'locked' | 'corrupt' };

type Read = Promise<{ data: Buffer; stat: Stat }>;

/**
 * Takes the node `name` for this consumer: a claim on it, or why not. Corrupt nodes are
 * dead-lettered (or dropped) and reported here, and skipped.
 */
export async function takeNode<T>(
  ctx: ClaimContext<T>,
  listing: QueueListing,
  name: string,
): Promise<Taken<T>> {
  const { client } = ctx;
  const itemPath = childPath(ctx.queuePath, name);
  const lockNode = childPath(ctx.lockPath, name);
  let sessionId = 0n;
  let read: Read | undefined;
  if (ctx.mode === 'at-least-once') {
    // The session the claim goes out on, known before it is sent: from a LOST until the new
    // session is made `client.session` still names the lost one while requests wait for the
    // new one, and a claim made on the new session was taken for one gone with the old: its
    // lock node then held the item for as long as this consumer lived (a 4-process fault run
    // stalled on it). Nothing is awaited between the last check and the send, except with a
    // namespace: core's multi makes the namespace node first, and a session made meanwhile is
    // the one the claim goes out on (sentOn).
    let live = requestSessionId(client);
    while (live === undefined) {
      await client.blockUntilConnected();
      live = requestSessionId(client);
    }
    sessionId = live;
    const claiming = client.multi([
      { op: 'check', path: itemPath, version: -1 },
      { op: 'create', path: lockNode, data: ctx.lockData, mode: 'EPHEMERAL' },
    ]);
    // Pipelined only without a namespace: core's multi then writes at once, so the read goes
    // behind it; with one, the multi first makes the namespace node and the read would go first.
    if (client.namespace === undefined) {
      read = client.getData(itemPath);
      // Its outcome is awaited only when the claim succeeds: never an unhandled rejection.
      read.catch(() => undefined);
    }
    const sentOn = () =>
      client.namespace === undefined ? sessionId : (requestSessionId(client) ?? sessionId);
    try {
      await claiming;
    } catch (e) {
      if (e instanceof NodeExistsError) return { skip: 'locked' };
      if (e instanceof NoNodeError) return { skip: 'gone' };
      if (!isRetryable(e)) throw e;
      // The reply was lost: the lock node may be ours all the same. Asked (after a sync)
      // until answered while the session lives: a lock node of ours taken for "not made"
      // would hold the item for as long as the session lives, with nobody to process it.
      const on = sentOn();
      const stat = await lockAfterLostReply(client, { itemPath, lockNode, sessionId: on });
      if (stat === undefined || stat === null) throw e; // not made, or gone with its session
      if (stat.ephemeralOwner !== on) return { skip: 'locked' };
      sessionId = on;
      read = undefined; // it may have failed with the connection: read again
    }
    const on = sentOn();
    if (on !== sessionId) {
      // Made on a session made after the check (a namespace's node made first): ours if its
      // owner says so, and read again (nothing was pipelined).
      const stat = await lockAfterLostReply(client, { itemPath, lockNode, sessionId: on });
      if (stat?.ephemeralOwner !== on) return { skip: 'locked' };
      sessionId = on;
      read = undefined;
    }
    if (requestSessionId(client) !== sessionId) {
      // The session was lost between the request and here: what was made went with it.
      return { skip: 'locked' };
    }
  }
  let data: Buffer;
  let version: number;
  try {
    ({
      data,
      stat: { version },
    } = await (read ?? client.getData(itemPath)));
  } catch (e) {
    if (ctx.mode === 'at-least-once') await dropLock(client, lockNode, sessionId);
    if (e instanceof NoNodeError) return { skip: 'gone' };
    throw e;
  }
  if (ctx.mode === 'at-most-once') {
    try {
      // Not repeated after a lost reply: a repeat would find the node gone and could not tell
      // our delete from another consumer's.
      await client.delete(itemPath, { version, retryPolicy: noRetry });
    } catch (e) {
      // Another consumer read and deleted it first (BADVERSION after a requeue's rewrite).
      if (e instanceof NoNodeError || (e as { code?: string }).code === 'BADVERSION') {
        return { skip: 'gone' };
      }
      if (isRetryable(e)) {
        // Deleted or not, nobody can tell: never delivered (at most once), and reported.
        ctx.report(
          new ClaimLostError(itemPath, 'at most once: the outcome of the delete is unknown', e),
        );
        return { skip: 'gone' };
      }
      throw e;
    }
  }
  const claim = new Claim(ctx, listing, name, version, sessionId);
  try {
    const frame = decodeFrame(data, itemPath);
    claim.load(frame.items, frame.failures);
  } catch (e) {
    const corrupt =
      e instanceof CorruptItemError
        ? e
        : new CorruptItemError(itemPath, 'the serializer refused an item', data, e);
    ctx.report(corrupt);
    await claim.deadLetter([data], corrupt, true);
    return { skip: 'corrupt' };
  }
  return { claim };
}
