/**
 * Acquirers in one process queue here first, so a client holds at most one znode per lock path
 * at a time (1,000 local waiters cost one node and one watch on the server, not 1,000), and a
 * release wakes one local waiter, not all of them (no herd inside the process either).
 *
 * Hand-written rather than async-mutex (docs/adr/0013): the turn is passed on with the node
 * the process holds (a local hand-off), a waiter leaves the line the moment its own signal or
 * deadline ends it, and the holder needs to know how many wait.
 */
import { Deadline, waitFor } from '@zk-recipes/core/recipe';
import type { ZkClient } from '@zk-recipes/core';

/** The turn: with `node` when the node was handed over (held at once), without to contend. */
export interface Turn<N> {
  readonly node: N | undefined;
}

const FREE: Turn<never> = Object.freeze({ node: undefined });

/**
 * The local line for one client and lock path: one turn at a time, in arrival order. The turn
 * is passed on either with the node the process holds (the next waiter holds the lock at once,
 * without a request) or without one (the next waiter contends).
 */
export class LocalLine<N = never> {
  /** The node this process holds on the path, while the turn is with a holder of it. */
  node: N | undefined;
  /** Called when someone starts waiting behind the present turn (with the node held, if any). */
  onWait: ((node: N | undefined) => void) | undefined;
  private busy = false;
  private readonly waiters: ((turn: Turn<N>) => void)[] = [];
  /** Each waiter's way out with an error, for {@link end}. */
  private readonly failers = new Map<(turn: Turn<N>) => void, (e: Error) => void>();
  /** Why the line ended (its client closed): every wait since rejects with it. */
  private ended: Error | undefined;

  /** Whether someone here holds the turn (holding the lock or contending for it). */
  get locked(): boolean {
    return this.busy;
  }

  /** How many acquirers wait here for the turn. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with the turn, or undefined when the deadline passed first. Rejects with the
   * signal's reason (the waiter leaves the line at once).
   */
  take(deadline: Deadline): Promise<Turn<N> | undefined> {
    deadline.throwIfAborted();
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve(FREE);
    }
    if (this.ended) return Promise.reject(this.ended);
    this.onWait?.(this.node);
    return waitFor<Turn<N>>(deadline, (settle, fail) => {
      this.waiters.push(settle);
      this.failers.set(settle, fail);
      return () => {
        this.failers.delete(settle);
        const i = this.waiters.indexOf(settle);
        if (i >= 0) this.waiters.splice(i, 1);
      };
    });
  }

  /**
   * Ends the line (its client closed): every waiter rejects with `reason` at once, and so does
   * every later wait, however long the present holder keeps its lease.
   */
  end(reason: Error): void {
    this.ended = reason;
    for (const fail of [...this.failers.values()]) fail(reason);
  }

  /** Passes the turn to the next waiter, with `node` (a hand-off) or without; or frees it. */
  passOn(node?: N): void {
    const next = this.waiters.shift();
    if (next) next(node === undefined ? FREE : { node });
    else this.busy = false;
  }
}

const lines = new WeakMap<ZkClient, Map<string, LocalLine<unknown>>>();

/** The line for one client and key (a lock path), shared by every lock object on them. */
export function localLine<N>(client: ZkClient, key: string): LocalLine<N> {
  let byKey = lines.get(client);
  if (!byKey) {
    const made = new Map<string, LocalLine<unknown>>();
    byKey = made;
    lines.set(client, made);
    // One listener per client, not per line (past 10 paths Node would warn of a leak): a waiter
    // behind a local holder must not outlive its client.
    const closed = client.closeSignal;
    const endAll = () => made.forEach((l) => l.end(closed.reason as Error));
    if (!closed.aborted) closed.addEventListener('abort', endAll, { once: true });
  }
  let line = byKey.get(key);
  if (!line) {
    line = new LocalLine<unknown>();
    if (client.closeSignal.aborted) line.end(client.closeSignal.reason as Error);
    byKey.set(key, line);
  }
  return line as LocalLine<N>;
}
