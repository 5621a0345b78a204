/**
 * Acquirers in one process queue here first, so a client holds at most one znode per lock path
 * at a time (1,000 local waiters cost one node and one watch on the server, not 1,000), and a
 * release wakes one local waiter, not all of them (no herd inside the process either).
 */
import { Mutex as AsyncMutex } from 'async-mutex';
import type { ZkClient } from '@zk-recipes/core';

const queues = new WeakMap<ZkClient, Map<string, AsyncMutex>>();

/** The queue for one client and lock path (shared by every Mutex object on them). */
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
