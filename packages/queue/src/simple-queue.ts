/**
 * Curator's SimpleDistributedQueue (the ZooKeeper tutorial's queue): `qn-<sequence>` nodes with
 * the raw bytes, under a container (made again when the server reaps it). Taking reads and
 * deletes the first item: at most once.
 */
import {
  bytesSerializer,
  NoNodeError,
  validatePath,
  type Serializer,
  type ZkClient,
} from '@zk-recipes/core';
import { childPath, waitForChildren, type WaitOptions } from '@zk-recipes/core/recipe';
import { QueueTimeoutError } from './errors.js';
import { bounded, checkClient } from './validate.js';

const PREFIX = 'qn-';

/**
 * @example
 * const q = new SimpleQueue(client, '/tutorial/q');
 * await q.offer(Buffer.from('x'));
 * const item = await q.take({ timeoutMs: 5000 });
 */
export class SimpleQueue<T = Buffer> {
  private readonly serializer: Serializer<T>;

  constructor(
    readonly client: ZkClient,
    readonly path: string,
    options: { serializer?: Serializer<T> } = {},
  ) {
    checkClient(client);
    validatePath(path);
    this.serializer = options.serializer ?? (bytesSerializer as unknown as Serializer<T>);
  }

  /** Adds `item`; resolves with the node's name once the create committed. */
  async offer(item: T, options: WaitOptions = {}): Promise<string> {
    const data = this.serializer.serialize(item);
    return bounded('offer', this.path, options, async ({ signal }) => {
      const { path } = await this.client.create(childPath(this.path, PREFIX), data, {
        mode: 'PERSISTENT_SEQUENTIAL',
        createParents: true, // the queue node as a container, as Curator makes it
        ...(signal ? { signal } : {}),
      });
      return path.slice(path.lastIndexOf('/') + 1);
    });
  }

  /** The first item, removed; undefined when the queue is empty. */
  async poll(options: WaitOptions = {}): Promise<T | undefined> {
    return bounded('poll', this.path, options, async ({ signal }) =>
      this.takeFrom(await this.list(signal), signal),
    );
  }

  /** The first item, not removed; undefined when empty. */
  async peek(options: WaitOptions = {}): Promise<T | undefined> {
    return bounded('peek', this.path, options, async ({ signal }) => {
      for (const name of await this.list(signal)) {
        try {
          const { data } = await this.client.getData(
            childPath(this.path, name),
            signal ? { signal } : {},
          );
          return this.serializer.deserialize(data);
        } catch (e) {
          if (!(e instanceof NoNodeError)) throw e;
        }
      }
      return undefined;
    });
  }

  /** The first item, removed, waiting for one; rejects with QueueTimeoutError at `timeoutMs`. */
  async take(options: WaitOptions = {}): Promise<T> {
    return bounded('take', this.path, options, async (deadline) => {
      for (;;) {
        const got = await this.takeFrom(await this.list(deadline.signal), deadline.signal);
        if (got !== undefined) return got;
        const o = deadline.signal ? { signal: deadline.signal } : {};
        await this.client.ensurePath(this.path, o);
        const listed = await waitForChildren(
          this.client,
          this.path,
          (c) => c.some((n) => n.startsWith(PREFIX)),
          deadline,
        ).catch((e: unknown) => {
          if (e instanceof NoNodeError) return []; // reaped meanwhile
          throw e;
        });
        if (listed === undefined)
          throw new QueueTimeoutError('take', this.path, deadline.timeoutMs ?? 0);
      }
    });
  }

  private async list(signal: AbortSignal | undefined): Promise<string[]> {
    try {
      const { children } = await this.client.getChildren(this.path, signal ? { signal } : {});
      return children.filter((c) => c.startsWith(PREFIX)).sort();
    } catch (e) {
      if (e instanceof NoNodeError) return []; // not made yet, or reaped empty
      throw e;
    }
  }

  private async takeFrom(names: string[], signal: AbortSignal | undefined): Promise<T | undefined> {
    const o = signal ? { signal } : {};
    for (const name of names) {
      const path = childPath(this.path, name);
      try {
        const { data } = await this.client.getData(path, o);
        await this.client.delete(path, o);
        return this.serializer.deserialize(data);
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e; // another consumer took it: the next one
      }
    }
    return undefined;
  }
}
