import { randomUUID } from 'node:crypto';
import {
  IllegalStateError,
  InvalidArgumentError,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import {
  childPath,
  Deadline,
  heldNode,
  localAddress,
  RELEASE_BOUND_MS,
  waitForNode,
  type HeldNode,
} from '@zk-recipes/core/recipe';
import type { BarrierWaitOptions } from './barrier.js';
import { BarrierTimeoutError } from './errors.js';

/** The node whose existence lets members in (Curator's name). */
export const READY_NODE = 'ready';

/**
 * A double barrier (Curator's DistributedDoubleBarrier layout: `path` a container, members
 * ephemeral `path/<uuid>`, the persistent `path/ready`): `enter` waits until `memberQty`
 * members have entered, `leave` until every member has left. Java processes on Curator take
 * part in the same barrier.
 *
 * Unlike Curator 5.4, a timed `enter` never passes with too few members: only the `ready`
 * node lets a member in, never a connection event (GH-1290).
 *
 * @example
 * const round = new DoubleBarrier(client, '/jobs/round-7', 5);
 * await round.enter({ timeoutMs: 30_000 });
 * // ... the five work together ...
 * await round.leave({ timeoutMs: 30_000 });
 */
export class DoubleBarrier {
  private member: HeldNode | undefined;
  private readonly name = randomUUID();

  constructor(
    private readonly client: ZkClient,
    readonly path: string,
    readonly memberQty: number,
  ) {
    validatePath(path);
    if (!(Number.isInteger(memberQty) && memberQty >= 1)) {
      throw new InvalidArgumentError('memberQty', 'memberQty must be an integer >= 1');
    }
  }

  private get readyPath(): string {
    return childPath(this.path, READY_NODE);
  }

  /**
   * Enters: resolves once `memberQty` members (us included) have entered. At `timeoutMs` it
   * rejects with BarrierTimeoutError and our member node is removed; on abort, with the
   * signal's reason, likewise.
   */
  async enter(options: BarrierWaitOptions = {}): Promise<void> {
    if (this.member)
      throw new IllegalStateError('STARTED', 'this DoubleBarrier has entered already', {
        path: this.path,
      });
    const timedOut = (ms: number) => new BarrierTimeoutError(this.path, 'enter', ms);
    await Deadline.run(options, timedOut, (deadline) => this.entering(deadline, timedOut));
  }

  /** enter() under its deadline, whose signal ends every request at the timeout too. */
  private async entering(deadline: Deadline, timedOut: (ms: number) => Error): Promise<void> {
    const signal = deadline.signal ? { signal: deadline.signal } : {};
    const readyBefore = (await this.client.exists(this.readyPath, signal)) !== null;
    this.member = await this.createMember(signal);
    try {
      if (readyBefore) return;
      const { children } = await this.client.getChildren(this.path, signal);
      if (children.filter((c) => c !== READY_NODE).length >= this.memberQty) {
        await this.client.create(this.readyPath, localAddress(), signal).catch((e: unknown) => {
          if (!(e instanceof NodeExistsError)) throw e;
        });
        return;
      }
      const ready = await waitForNode(this.client, this.readyPath, (s) => s !== null, deadline);
      if (ready !== undefined) return;
      // The deadline. Ready may have come just now, our node counted: then we are in. Asked
      // within the release bound: with ZooKeeper gone the answer would come at the session's
      // end (unknown counts as not ready: we leave).
      const late = await this.client
        .exists(this.readyPath, { signal: AbortSignal.timeout(RELEASE_BOUND_MS) })
        .catch(() => null);
      if (late !== null) return;
      throw timedOut(deadline.timeoutMs ?? 0);
    } catch (e) {
      const member = this.member;
      this.member = undefined;
      await member?.release();
      throw e;
    }
  }

  /**
   * Leaves: resolves once every member has left (Curator's order: the lowest member waits for
   * the others, the others delete their node and wait for the lowest), then removes `ready`.
   * Rejects with BarrierTimeoutError at `timeoutMs` (our node is gone by then unless we are the
   * lowest, whose node is removed too), with the signal's reason on abort.
   */
  async leave(options: BarrierWaitOptions = {}): Promise<void> {
    const member = this.member;
    if (!member)
      throw new IllegalStateError('LATENT', 'leave() needs a DoubleBarrier that has entered', {
        path: this.path,
      });
    const timedOut = (ms: number) => new BarrierTimeoutError(this.path, 'leave', ms);
    await Deadline.run(options, timedOut, (deadline) => this.leaving(member, deadline, timedOut));
  }

  /** leave() under its deadline, whose signal ends every request at the timeout too. */
  private async leaving(
    member: HeldNode,
    deadline: Deadline,
    timedOut: (ms: number) => Error,
  ): Promise<void> {
    const signal = deadline.signal ? { signal: deadline.signal } : {};
    let ours = true; // our node should still exist
    try {
      for (;;) {
        let children: string[];
        try {
          children = (await this.client.getChildren(this.path, signal)).children;
        } catch (e) {
          if (e instanceof NoNodeError) break;
          throw e;
        }
        children = children.filter((c) => c !== READY_NODE).sort();
        if (children.length === 0) break;
        if (ours && !children.includes(this.name)) {
          throw new SessionExpiredError('our member node is gone with its session', {
            path: this.path,
          });
        }
        if (children.length === 1) {
          if (ours) await member.release();
          break;
        }
        const lowest = children[0]!;
        let target: string;
        if (ours && lowest === this.name) {
          target = children[children.length - 1]!;
        } else {
          if (ours) await member.release();
          ours = false;
          target = lowest;
        }
        const gone = await waitForNode(
          this.client,
          childPath(this.path, target),
          (s) => s === null,
          deadline,
        );
        if (gone === undefined) throw timedOut(deadline.timeoutMs ?? 0);
      }
      await this.client.delete(this.readyPath, signal).catch((e: unknown) => {
        if (!(e instanceof NoNodeError)) throw e;
      });
    } finally {
      this.member = undefined;
      await member.release();
    }
  }

  /** Our member node, ephemeral; a lost create reply finds it (the uuid is ours alone). */
  private async createMember(signal: { signal?: AbortSignal }): Promise<HeldNode> {
    const p = childPath(this.path, this.name);
    try {
      const { stat } = await this.client.create(p, localAddress(), {
        mode: 'EPHEMERAL',
        createParents: true,
        ...signal,
      });
      return heldNode(this.client, p, stat);
    } catch (e) {
      if (!(e instanceof NodeExistsError)) {
        // Ended by the signal (abort or deadline), the create may still have been written: the
        // node's name is ours alone, so a background delete takes away what it may have made.
        if (signal.signal?.aborted)
          this.client.delete(p, { guaranteed: true }).catch(() => undefined);
        throw e;
      }
      const stat = await this.client.exists(p, signal);
      if (!stat) throw e;
      return heldNode(this.client, p, stat);
    }
  }
}
