import { NodeExistsError, NoNodeError, validatePath, type ZkClient } from '@zk-recipes/core';
import { Deadline, localAddress, waitForNode } from '@zk-recipes/core/recipe';
import { BarrierTimeoutError } from './errors.js';

/** `{ signal, timeoutMs }` of every barrier call (its waits and its set, remove and isSet). */
export interface BarrierWaitOptions {
  signal?: AbortSignal;
  /** How long the call may take, its requests included, in ms. Default: no limit. */
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

  /**
   * Sets the barrier (creates its node; already set is fine). Rejects with BarrierTimeoutError
   * (`phase: 'set'`) at `timeoutMs`, with the signal's reason on abort. A create already sent
   * when the time is up may still be applied: the barrier may then be set.
   */
  async set(options: BarrierWaitOptions = {}): Promise<void> {
    await this.bounded('set', options, async (signal) => {
      try {
        await this.client.create(this.path, localAddress(), { createParents: true, ...signal });
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
      }
    });
  }

  /**
   * Removes the barrier (deletes its node; not set is fine): every waiter passes. Rejects with
   * BarrierTimeoutError (`phase: 'remove'`) at `timeoutMs`, with the signal's reason on abort. A
   * delete already sent when the time is up may still be applied: the barrier may then be gone.
   */
  async remove(options: BarrierWaitOptions = {}): Promise<void> {
    await this.bounded('remove', options, async (signal) => {
      try {
        await this.client.delete(this.path, signal);
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
    });
  }

  /**
   * Whether the barrier is set now. Rejects with BarrierTimeoutError (`phase: 'isSet'`) at
   * `timeoutMs`, with the signal's reason on abort.
   */
  async isSet(options: BarrierWaitOptions = {}): Promise<boolean> {
    return this.bounded(
      'isSet',
      options,
      async (signal) => (await this.client.exists(this.path, signal)) !== null,
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

  /**
   * Runs one request of set/remove/isSet under the call's deadline (the kit's Deadline.run,
   * ADR 0031): `timeoutMs` (validated first: nothing is sent with a bad one) ends the request
   * too, whatever ZooKeeper does, and the call rejects with BarrierTimeoutError.
   */
  private bounded<T>(
    phase: 'set' | 'remove' | 'isSet',
    options: BarrierWaitOptions,
    call: (signal: { signal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    const timedOut = (ms: number) => new BarrierTimeoutError(this.path, phase, ms);
    return Deadline.run(options, timedOut, (deadline) =>
      call(deadline.signal ? { signal: deadline.signal } : {}),
    );
  }
}
