/** Queue state for tools and dashboards: depth, items in flight, the oldest item's age. */
import { NoNodeError, type ZkClient } from '@zk-recipes/core';
import { childPath, Deadline, type WaitOptions } from '@zk-recipes/core/recipe';
import { ITEM_PREFIX, type Naming } from './names.js';

/** An item a consumer holds now (its lock node). */
export interface InFlightItem {
  /** The item node's name. */
  readonly name: string;
  /** The session holding the lock node (its `ephemeralOwner`). */
  readonly sessionId: bigint;
  /** When the consumer took it (the lock node's ctime). */
  readonly since: Date;
  /** The lock node's data: the consumer's id (Curator writes its IP address). */
  readonly consumer: string;
}

export class QueueInspector {
  constructor(
    private readonly client: ZkClient,
    private readonly path: string,
    private readonly lockPath: string,
    private readonly naming: Naming,
  ) {}

  private async items(options: WaitOptions | Deadline): Promise<string[]> {
    const { signal } = Deadline.of(options);
    const { children } = await this.client.getChildren(this.path, signal ? { signal } : {});
    return children.filter((c) => c.startsWith(ITEM_PREFIX));
  }

  async depth(options: WaitOptions | Deadline): Promise<number> {
    return (await this.items(options)).length;
  }

  async inFlight(options: WaitOptions | Deadline): Promise<InFlightItem[]> {
    const { signal } = Deadline.of(options);
    const o = signal ? { signal } : {};
    let children: string[];
    try {
      ({ children } = await this.client.getChildren(this.lockPath, o));
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
    const found = await Promise.all(
      children.map((name) =>
        this.client.getData(childPath(this.lockPath, name), o).then(
          ({ data, stat }) => ({
            name,
            sessionId: stat.ephemeralOwner,
            since: new Date(stat.ctime),
            consumer: data.toString('utf8'),
          }),
          (e: unknown) => {
            if (e instanceof NoNodeError) return undefined; // finished meanwhile
            throw e;
          },
        ),
      ),
    );
    return found.filter((f): f is InFlightItem => f !== undefined);
  }

  async oldestAgeMs(options: WaitOptions | Deadline): Promise<number | undefined> {
    const { signal } = Deadline.of(options);
    const key = this.naming.sortKey;
    const sorted = (await this.items(options)).sort((a, b) => (key(a) < key(b) ? -1 : 1));
    for (const name of sorted) {
      const stat = await this.client.exists(childPath(this.path, name), signal ? { signal } : {});
      if (stat) return Math.max(0, Date.now() - stat.ctime);
    }
    return undefined;
  }
}
