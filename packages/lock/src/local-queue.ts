/**
 * Acquirers in one process queue here first, so a client holds at most one znode per lock path
 * at a time (1,000 local waiters cost one node and one watch on the server, not 1,000), and a
 * release wakes one local waiter, not all of them (no herd inside the process either).
 */
import { Mutex as AsyncMutex } from 'async-mutex';
import type { ZkClient } from '@zk-recipes/core';
import type { HeldLock } from './held-lock.js';

const queues = new WeakMap<ZkClient, Map<string, AsyncMutex>>();

/** The queue for one client and lock path (the read-write lock's writers). */
export function localQueue(client: ZkClient, path: string): AsyncMutex {
  let byPath = queues.get(client);
  if (!byPath) {
    byPath = new Map();
    queues.set(client, byPath);
  }
  let q = byPath.get(path);
  if (!q) {
    q = new AsyncMutex();
    byPath.set(path, q);
  }
  return q;
}

/**
 * Takes the local turn, or rejects with the signal's reason. A turn granted after the caller
 * gave up is handed straight back, so an abort never strands the queue.
 */
export async function takeTurn(queue: AsyncMutex, signal?: AbortSignal): Promise<() => void> {
  signal?.throwIfAborted();
  const turn = queue.acquire();
  if (!signal) return turn;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      void turn.then((release) => release());
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void turn.then((release) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) release();
      else resolve(release);
    });
  });
}

interface Waiter {
  grant(node: HeldLock | undefined): void;
}

/**
 * The Mutex's local line for one client and path: one turn at a time, in arrival order. The
 * turn is passed on either with the node the process holds (a local hand-off: the next waiter
 * holds the lock at once, without a request) or without one (the next waiter contends).
 */
export class LocalLine {
  /** The node this process holds on the path, while the turn is with a holder of it. */
  node: HeldLock | undefined;
  private busy = false;
  private readonly waiters: Waiter[] = [];

  /** Whether someone here holds the turn (holding the lock or contending for it). */
  get locked(): boolean {
    return this.busy;
  }

  /** How many acquirers wait here for the turn. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with the turn: with a node when one was handed over, with undefined when the
   * caller must contend. Rejects with the signal's reason (the waiter leaves the line at once).
   */
  take(signal?: AbortSignal): Promise<HeldLock | undefined> {
    signal?.throwIfAborted();
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve(undefined);
    }
    // Someone waits behind a held node: from now on its holder must hear of other processes'
    // contenders, so that a hand-off never passes over them unbounded.
    this.node?.watchJoins();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason as Error);
      };
      const waiter: Waiter = {
        grant: (node) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(node);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Passes the turn to the next waiter, with `node` (a hand-off) or without; or frees it. */
  passOn(node?: HeldLock): void {
    const next = this.waiters.shift();
    if (next) next.grant(node);
    else this.busy = false;
  }
}

const lines = new WeakMap<ZkClient, Map<string, LocalLine>>();

/** The line for one client and lock path (shared by every Mutex object on them). */
export function localLine(client: ZkClient, path: string): LocalLine {
  let byPath = lines.get(client);
  if (!byPath) {
    byPath = new Map();
    lines.set(client, byPath);
  }
  let line = byPath.get(path);
  if (!line) {
    line = new LocalLine();
    byPath.set(path, line);
  }
  return line;
}
