/** Curator's DistributedQueue and its priority, delay and id variants. */
import { InvalidArgumentError, NoNodeError, type ZkClient } from '@zk-recipes/core';
import { childPath, type WaitOptions } from '@zk-recipes/core/recipe';
import {
  DELAY,
  delayPrefix,
  FIFO,
  ID,
  idOf,
  idPrefix,
  ITEM_PREFIX,
  PRIORITY,
  priorityPrefix,
} from './names.js';
import { QueueBase } from './queue-base.js';
import type { QueueOptions } from './queue-options.js';
import { bounded } from './validate.js';

function items<T>(values: readonly T[]): readonly T[] {
  const given: unknown = values;
  if (!Array.isArray(given) || given.length === 0) {
    throw new InvalidArgumentError('items', 'putMany needs a non-empty array of items');
  }
  return values;
}

/**
 * Curator's DistributedQueue: FIFO. Items are `queue-<sequence>` nodes, in Curator's format.
 *
 * @example
 * const queue = new DistributedQueue(client, '/jobs/email', { serializer: jsonSerializer<Email>() });
 * await queue.start();
 * await queue.put({ to: 'ada@example.com', subject: 'hi' });
 * void queue.consume(async (email) => send(email), { concurrency: 4 });
 */
export class DistributedQueue<T> extends QueueBase<T> {
  constructor(client: ZkClient, path: string, options: QueueOptions<T>) {
    super('DistributedQueue', client, path, FIFO, options);
  }

  /** Adds `item`; resolves with the node's name once the create committed. */
  put(item: T, options: WaitOptions = {}): Promise<string> {
    return this.putNode(ITEM_PREFIX, [item], options);
  }

  /** Adds `items` as one node (Curator's putMulti); consumers get them in order. */
  putMany(values: readonly T[], options: WaitOptions = {}): Promise<string> {
    return this.putNode(ITEM_PREFIX, items(values), options);
  }
}

/**
 * Curator's DistributedPriorityQueue: the lowest priority number is taken first, FIFO among
 * equal priorities.
 */
export class PriorityQueue<T> extends QueueBase<T> {
  constructor(client: ZkClient, path: string, options: QueueOptions<T>) {
    super('PriorityQueue', client, path, PRIORITY, options);
  }

  /** Adds `item` with `priority` (a 32-bit integer; lower first). */
  put(item: T, priority: number, options: WaitOptions = {}): Promise<string> {
    return this.putNode(priorityPrefix(priority), [item], options);
  }

  /** Adds `items` as one node with `priority` (Curator's putMulti); consumers get them in order. */
  putMany(values: readonly T[], priority: number, options: WaitOptions = {}): Promise<string> {
    return this.putNode(priorityPrefix(priority), items(values), options);
  }
}

/**
 * Curator's DistributedDelayQueue: an item is taken once its time (on the consumer's clock) has
 * come, earliest first.
 */
export class DelayQueue<T> extends QueueBase<T> {
  constructor(client: ZkClient, path: string, options: QueueOptions<T>) {
    super('DelayQueue', client, path, DELAY, options);
  }

  /** Adds `item`, due at `dueAt` (a Date or ms since the epoch; the past means now). */
  put(item: T, dueAt: number | Date, options: WaitOptions = {}): Promise<string> {
    return this.putNode(delayPrefix(dueAt), [item], options);
  }

  /** Adds `items` as one node, due at `dueAt` (Curator's putMulti); consumers get them in order. */
  putMany(values: readonly T[], dueAt: number | Date, options: WaitOptions = {}): Promise<string> {
    return this.putNode(delayPrefix(dueAt), items(values), options);
  }
}

/** Curator's DistributedIdQueue: FIFO, each item with an id it can be removed by. */
export class IdQueue<T> extends QueueBase<T> {
  constructor(client: ZkClient, path: string, options: QueueOptions<T>) {
    super('IdQueue', client, path, ID, options);
  }

  /**
   * Adds `item` under `id`. `/` and `|` become `_` in the node name, as in Curator: `a/b`,
   * `a|b` and `a_b` are one id (for `remove` too).
   */
  put(item: T, id: string, options: WaitOptions = {}): Promise<string> {
    return this.putNode(idPrefix(id), [item], options);
  }

  /** Adds `items` as one node under `id` (Curator's putMulti); consumers get them in order. */
  putMany(values: readonly T[], id: string, options: WaitOptions = {}): Promise<string> {
    return this.putNode(idPrefix(id), items(values), options);
  }

  /** Removes the waiting items put with `id`; resolves with how many were removed. */
  async remove(id: string, options: WaitOptions = {}): Promise<number> {
    const wanted = idOf(idPrefix(id) + '0000000000');
    return bounded('remove', this.path, options, async ({ signal }) => {
      const o = signal ? { signal } : {};
      const { children } = await this.client.getChildren(this.path, o);
      let removed = 0;
      for (const name of children) {
        if (!name.startsWith(ITEM_PREFIX) || idOf(name) !== wanted) continue;
        try {
          await this.client.delete(childPath(this.path, name), o);
          removed++;
        } catch (e) {
          if (!(e instanceof NoNodeError)) throw e; // taken meanwhile
        }
      }
      return removed;
    });
  }
}
