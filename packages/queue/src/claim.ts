/**
 * One taken queue node (take.ts takes it): its items handed out one at a time, in order, and
 * how it ends. At least once, every end is one multi on the session that made the lock node
 * (settle.ts): the ack deletes the lock node at version 0 and the item together; a failed
 * handler requeues the items not yet processed at the tail in the same multi (Curator's
 * `delete, create` requeue, but only the unprocessed rest of a batch); a release gives the
 * unprocessed rest back in place. At most once the node was deleted before it was handed out.
 */
import { childPath } from '@zk-recipes/core/recipe';
import { encodeFrame } from './frame.js';
import type { QueueListing } from './listing.js';
import type { Message } from './message.js';
import {
  dropLock,
  lockAndItem,
  moveToDeadLetters,
  onOurSession,
  type ClaimContext,
  type Held,
} from './settle.js';

export class Claim<T> {
  private raw: Buffer[] = [];
  private values: T[] = [];
  private failures = 0;
  /** The index of the next item to hand out. */
  private next = 0;
  /** A handed-out message is not settled yet. */
  private open = false;
  private ended: Promise<void> | undefined;
  private readonly held: Held;

  constructor(
    private readonly ctx: ClaimContext<T>,
    private readonly listing: QueueListing,
    readonly name: string,
    private readonly version: number,
    sessionId: bigint,
  ) {
    this.held = {
      itemPath: childPath(ctx.queuePath, name),
      lockNode: childPath(ctx.lockPath, name),
      sessionId,
    };
  }

  load(raw: Buffer[], failures: number): void {
    this.values = raw.map((b) => this.ctx.serializer.deserialize(b));
    this.raw = raw;
    this.failures = failures;
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

  private async complete(): Promise<void> {
    if (this.ctx.mode === 'at-most-once') return; // deleted before it was handed out
    await onOurSession(this.ctx.client, this.held, lockAndItem(this.held, this.version), 'ack');
  }

  private async retry(from: number, reason: unknown): Promise<void> {
    const rest = this.raw.slice(from);
    if (this.ctx.mode === 'at-most-once' || this.failures + 1 > this.ctx.retryLimit) {
      await this.deadLetter(rest, reason, false);
      return;
    }
    const prefix = this.ctx.naming.requeuePrefix(this.name);
    await onOurSession(
      this.ctx.client,
      this.held,
      [
        ...lockAndItem(this.held, this.version),
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
      await dropLock(this.ctx.client, this.held.lockNode, this.held.sessionId);
      return;
    }
    await onOurSession(
      this.ctx.client,
      this.held,
      [
        { op: 'delete', path: this.held.lockNode, version: 0 },
        {
          op: 'setData',
          path: this.held.itemPath,
          data: encodeFrame(this.raw.slice(from), this.failures),
          version: this.version,
        },
      ],
      'release',
    );
  }

  /** Moves `items` to the dead-letter path, or drops them, and reports them (settle.ts). */
  async deadLetter(items: Buffer[], reason: unknown, corrupt: boolean): Promise<void> {
    const node = await moveToDeadLetters(this.ctx, this.held, this.version, items, corrupt);
    this.listing.finished(this.name);
    this.ctx.deadLettered({ name: this.name, items, reason, deadLetterNode: node });
  }
}
