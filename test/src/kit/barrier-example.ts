import { AcquireTimeoutError, NodeExistsError, NoNodeError, type ZkClient } from '@zk-recipes/core';
import { Deadline, waitFor, type WaitOptions } from '@zk-recipes/core/recipe';

/** Curator's DistributedBarrier: while the node at `path` exists, waiters wait. */
export class Barrier {
  constructor(
    readonly client: ZkClient,
    readonly path: string,
  ) {}

  /** Raises the barrier (idempotent). */
  async set(): Promise<void> {
    await this.client.create(this.path, '', { createParents: true }).catch((e: unknown) => {
      if (!(e instanceof NodeExistsError)) throw e;
    });
  }

  /** Lowers the barrier: every waiter goes on. */
  async remove(): Promise<void> {
    await this.client.delete(this.path).catch((e: unknown) => {
      if (!(e instanceof NoNodeError)) throw e;
    });
  }

  /** Resolves once the barrier is down; rejects with AcquireTimeoutError or the signal's reason. */
  async waitOnBarrier(options: WaitOptions = {}): Promise<void> {
    const deadline = Deadline.of(options); // validated once, then handed down
    for (;;) {
      let fired = false;
      let wake: (() => void) | undefined;
      try {
        await this.client.getData(this.path, {
          ...(deadline.signal ? { signal: deadline.signal } : {}),
          watch: () => ((fired = true), wake?.()),
        });
      } catch (e) {
        if (e instanceof NoNodeError) return; // down (and getData left no watch behind)
        throw e;
      }
      const woke =
        fired ||
        (await waitFor<true>(deadline, (settle) => {
          wake = () => settle(true);
          return () => (wake = undefined);
        }));
      if (!woke) throw new AcquireTimeoutError(this.path, deadline.timeoutMs ?? 0);
    }
  }
}
