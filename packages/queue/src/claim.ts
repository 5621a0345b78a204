/**
 * Taking one queue node, in either delivery mode, and settling it.
 *
 * At least once: `multi(check item, create lockPath/<item> EPHEMERAL)` takes it (Curator's
 * lock-safe layout; the check means no lock node is left for an item already gone), then the
 * data is read and the items handed out. The acknowledgement is one `multi` that deletes the
 * lock node at version 0 and the item together, sent only on the session that made the lock
 * node: if that session ended, the node went with it and another consumer may hold the item
 * now, so the ack is refused (ClaimLostError) instead of completing it a second time (Curator's
 * CURATOR-605). A failed handler requeues the items not yet processed at the tail, in the same
 * multi (Curator's `delete, create` requeue, but only the unprocessed rest of a batch).
 *
 * At most once: Curator's default mode: read, delete (at the version read), then hand out.
 */
import {
  isRetryable,
  noRetry,
  NodeExistsError,
  NoNodeError,
  type MultiOp,
  type Serializer,
  type Stat,
  type ZkClient,
} from '@zk-recipes/core';
import { childPath, sleep } from '@zk-recipes/core/recipe';
import { ClaimLostError, CorruptItemError } from './errors.js';
import { decodeFrame, encodeFrame } from './frame.js';
import type { QueueListing } from './listing.js';
import { ITEM_PREFIX, type Naming } from './names.js';
import type { DeliveryMode, Message } from './message.js';

/** How often a lost ack's outcome is asked again while the connection is down. */
const LOST_REPLY_RECHECK_MS = 100;

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

type Taken<T> = { claim: Claim<T> } | { skip: 'gone' | 'locked' | 'corrupt' };

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
  if (ctx.mode === 'at-least-once') {
    sessionId = client.session?.sessionId ?? 0n;
    try {
      await client.multi([
        { op: 'check', path: itemPath, version: -1 },
        { op: 'create', path: lockNode, data: ctx.lockData, mode: 'EPHEMERAL' },
      ]);
    } catch (e) {
      if (e instanceof NodeExistsError) return { skip: 'locked' };
      if (e instanceof NoNodeError) return { skip: 'gone' };
      if (!isRetryable(e)) throw e;
      // The reply was lost: the lock node may be ours all the same.
      const stat = await client.exists(lockNode).catch(() => undefined);
      if (stat === undefined) {
        // Still unknown: a lock node of ours left there would hold the item for as long as
        // this session lives. Deleted in the background (a no-op if it was never made).
        void dropLock(client, lockNode, sessionId);
        throw e;
      }
      if (stat === null) throw e;
      if (stat.ephemeralOwner !== sessionId) return { skip: 'locked' };
    }
    if (client.session?.sessionId !== sessionId) {
      // A new session between the request and here: whatever was made went with the old one.
      return { skip: 'locked' };
    }
  }
  let data: Buffer;
  let version: number;
  try {
    ({
      data,
      stat: { version },
    } = await client.getData(itemPath));
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

async function dropLock(client: ZkClient, lockNode: string, sessionId: bigint): Promise<void> {
  if (client.session?.sessionId !== sessionId) return; // went with its session
  await client.delete(lockNode, { version: 0, guaranteed: true }).catch(() => undefined);
}

/** One taken node: its items, handed out in order, and how it ends. */
export class Claim<T> {
  private raw: Buffer[] = [];
  private values: T[] = [];
  private failures = 0;
  /** The index of the next item to hand out. */
  private next = 0;
  /** A handed-out message is not settled yet. */
  private open = false;
  private ended: Promise<void> | undefined;

  constructor(
    private readonly ctx: ClaimContext<T>,
    private readonly listing: QueueListing,
    readonly name: string,
    private readonly version: number,
    private readonly sessionId: bigint,
  ) {}

  load(raw: Buffer[], failures: number): void {
    this.values = raw.map((b) => this.ctx.serializer.deserialize(b));
    this.raw = raw;
    this.failures = failures;
  }

  private get itemPath(): string {
    return childPath(this.ctx.queuePath, this.name);
  }

  private get lockNode(): string {
    return childPath(this.ctx.lockPath, this.name);
  }

  /** Whether a message can be handed out now. */
  get ready(): boolean {
    return !this.open && this.ended === undefined && this.next < this.values.length;
  }

  get finished(): boolean {
    return this.ended !== undefined;
  }

  /** The next item as a message (call only when `ready`). */
  message(): Message<T> {
    const index = this.next++;
    this.open = true;
    let settled: Promise<void> | undefined;
    const settle = (how: () => Promise<void>) => {
      settled ??= (async () => {
        this.open = false;
        await how();
      })();
      return settled;
    };
    return {
      value: this.values[index]!,
      name: this.name,
      index,
      deliveries: this.failures + 1,
      mode: this.ctx.mode,
      get settled() {
        return settled !== undefined;
      },
      ack: () =>
        settle(() =>
          index + 1 < this.values.length ? Promise.resolve() : this.end(() => this.complete()),
        ),
      requeue: (reason?: unknown) => settle(() => this.end(() => this.retry(index, reason))),
    };
  }

  /** Deletes a node that holds no items (a frame with none: Curator never writes one). */
  discardEmpty(): Promise<void> {
    return this.end(() => this.complete());
  }

  /** Gives the node back, its unprocessed items in place (close, or a loop left early). */
  release(): Promise<void> {
    const from = this.open ? this.next - 1 : this.next;
    this.open = false;
    return this.end(() => this.giveBack(from), true);
  }

  private end(how: () => Promise<void>, givenBack = false): Promise<void> {
    this.ended ??= how().finally(() =>
      givenBack && this.ctx.mode === 'at-least-once'
        ? this.listing.released(this.name)
        : this.listing.finished(this.name),
    );
    return this.ended;
  }

  /** Sends `ops` on the session that holds the lock node, never on a later one. */
  private async onOurSession(ops: MultiOp[], what: string): Promise<void> {
    const { client } = this.ctx;
    if (client.session?.sessionId !== this.sessionId) {
      throw new ClaimLostError(this.itemPath, `${what}: the session that took it ended`);
    }
    try {
      await client.multi(ops);
    } catch (e) {
      if (!isRetryable(e)) {
        throw new ClaimLostError(this.itemPath, `${what}: ${(e as Error).message}`, e);
      }
      // The reply was lost. While the session lives, only this multi deletes our lock node:
      // gone means it committed; still ours means it did not, and it is sent again.
      const stat = await this.lockAfterLostReply();
      const same = client.session?.sessionId === this.sessionId;
      if (stat === null && same) return;
      if (stat && stat.ephemeralOwner === this.sessionId && same) {
        return this.onOurSession(ops, what);
      }
      // Unknown still: the lock node must not outlive this (the item would be stuck while the
      // session lives). Deleted in the background; the item, if still there, goes out again.
      if (same) void dropLock(client, this.lockNode, this.sessionId);
      throw new ClaimLostError(this.itemPath, `${what}: the outcome is unknown`, e);
    }
  }

  /**
   * The lock node's Stat after a lost reply: asked again until answered while the session that
   * holds it lives (the reconnect to another server of the ensemble takes a moment, longer than
   * one request's retries), so that an ack which committed is known as committed rather than
   * reported as of unknown outcome. Undefined once that session is over or the client closed.
   */
  private async lockAfterLostReply(): Promise<Stat | null | undefined> {
    const { client } = this.ctx;
    const alive = () => {
      const s = client.session;
      return s?.sessionId === this.sessionId && !s.signal.aborted && !client.closeSignal.aborted;
    };
    while (alive()) {
      try {
        return await client.exists(this.lockNode);
      } catch {
        await sleep(LOST_REPLY_RECHECK_MS, client.closeSignal).catch(() => undefined);
      }
    }
    return undefined;
  }

  private lockAndItem(): MultiOp[] {
    return [
      { op: 'delete', path: this.lockNode, version: 0 },
      { op: 'delete', path: this.itemPath, version: this.version },
    ];
  }

  private async complete(): Promise<void> {
    if (this.ctx.mode === 'at-most-once') return; // deleted before it was handed out
    await this.onOurSession(this.lockAndItem(), 'ack');
  }

  private async retry(from: number, reason: unknown): Promise<void> {
    const rest = this.raw.slice(from);
    if (this.ctx.mode === 'at-most-once' || this.failures + 1 > this.ctx.retryLimit) {
      await this.deadLetter(rest, reason, false);
      return;
    }
    const prefix = this.ctx.naming.requeuePrefix(this.name);
    await this.onOurSession(
      [
        ...this.lockAndItem(),
        {
          op: 'create',
          path: childPath(this.ctx.queuePath, prefix),
          data: encodeFrame(rest, this.failures + 1),
          mode: 'PERSISTENT_SEQUENTIAL',
        },
      ],
      'requeue',
    );
  }

  private async giveBack(from: number): Promise<void> {
    if (this.ctx.mode === 'at-most-once') {
      // Deleted already: what was not handed out is lost unless it goes to the dead letters.
      if (from < this.raw.length) {
        await this.deadLetter(this.raw.slice(from), new Error('the consumer stopped'), false);
      }
      return;
    }
    if (from === 0) {
      await dropLock(this.ctx.client, this.lockNode, this.sessionId);
      return;
    }
    await this.onOurSession(
      [
        { op: 'delete', path: this.lockNode, version: 0 },
        {
          op: 'setData',
          path: this.itemPath,
          data: encodeFrame(this.raw.slice(from), this.failures),
          version: this.version,
        },
      ],
      'release',
    );
  }

  /**
   * Moves `items` (or the node's bytes as they were, for a corrupt node) to the dead-letter
   * path as a plain queue node, deleting the item (and our lock) in the same multi; without a
   * dead-letter path, deletes them and reports them (Curator deletes a corrupt item, too).
   */
  async deadLetter(items: Buffer[], reason: unknown, corrupt: boolean): Promise<void> {
    const { deadLetterPath } = this.ctx;
    const data = corrupt ? items[0]! : encodeFrame(items);
    const ops: MultiOp[] = [];
    if (this.ctx.mode === 'at-least-once') ops.push(...this.lockAndItem());
    if (deadLetterPath !== undefined) {
      ops.push({
        op: 'create',
        path: childPath(deadLetterPath, ITEM_PREFIX),
        data,
        mode: 'PERSISTENT_SEQUENTIAL',
      });
    }
    let node: string | undefined;
    if (ops.length > 0) {
      const results = await this.ctx.client.multi(ops).catch((e: unknown) => {
        this.ctx.report(e);
        return undefined;
      });
      const created = results?.find((r) => r.op === 'create');
      node = created?.op === 'create' ? created.path : undefined;
      if (results === undefined && this.ctx.mode === 'at-least-once') {
        await dropLock(this.ctx.client, this.lockNode, this.sessionId);
      }
    }
    this.listing.finished(this.name);
    this.ctx.deadLettered({
      name: this.name,
      items,
      reason,
      deadLetterNode: node,
    });
  }
}
