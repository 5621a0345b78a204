import { NodeExistsError, NoNodeError, validatePath, type ZkClient } from '@zk-recipes/core';
import { Deadline, localAddress, waitForNode } from '@zk-recipes/core/recipe';
import { BarrierTimeoutError } from './errors.js';

/** `{ signal, timeoutMs }` of a blocking barrier call. */
export interface BarrierWaitOptions {
  signal?: AbortSignal;
  /** How long to wait, in ms. Default: no limit. */
  timeoutMs?: number;
}

/**
 * A barrier that holds waiters while its node exists (Curator's DistributedBarrier: the node
 * is persistent, its parents containers). Java processes on Curator set, remove and wait on
 * the same barrier.
 *
 * @example
 * const gate = new Barrier(client, '/jobs/nightly/gate');
 * await gate.set();
 * // elsewhere: await gate.waitOnBarrier({ timeoutMs: 60_000 });
 * await gate.remove();
 */
export class Barrier {
  constructor(
    private readonly client: ZkClient,
    readonly path: string,
  ) {
    validatePath(path);
  }

  /** Sets the barrier (creates its node; already set is fine). */
  async set(options: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.client.create(this.path, localAddress(), {
        createParents: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }

  /** Removes the barrier (deletes its node; not set is fine): every waiter passes. */
  async remove(options: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.client.delete(this.path, options.signal ? { signal: options.signal } : {});
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }

  /** Whether the barrier is set now. */
  async isSet(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (
      (await this.client.exists(this.path, options.signal ? { signal: options.signal } : {})) !==
      null
    );
  }

  /**
   * Resolves once the barrier is not set (at once if it is not). Rejects with
   * BarrierTimeoutError at `timeoutMs`, with the signal's reason on abort.
   */
  async waitOnBarrier(options: BarrierWaitOptions = {}): Promise<void> {
    // Under Deadline.run: its requests end at the timeout too, ZooKeeper reachable or not.
    const timedOut = (ms: number) => new BarrierTimeoutError(this.path, 'wait', ms);
    await Deadline.run(options, timedOut, async (deadline) => {
      const r = await waitForNode(this.client, this.path, (stat) => stat === null, deadline);
      if (r === undefined) throw timedOut(deadline.timeoutMs ?? 0);
    });
  }
}
