import { stacklessError, type Contention, type ZkClient } from '@zk-recipes/core';

/**
 * A watch on a node we hold: `signal` aborts when the node is gone (deleted, or no longer
 * ours), so a leader stops as soon as its node does (CURATOR-620: a latch node deleted after
 * isLeader fired left a second leader). One exists() watch, re-armed on data changes; it is
 * consumed by the node's deletion, so nothing stays on the server.
 *
 * `arm()` sends the exists() (once; later calls do nothing). Callers arm right after telling
 * their listeners of a leadership gained at once, so the request is not on the failover's
 * critical path, yet is queued before any delete a listener can cause (those run after an
 * await), so it finds the node and leaves no watch on a missing one. Before any wait that I/O
 * can interrupt, arm first: a deletion must not go unseen.
 */
export function watchOwnNode(
  client: ZkClient,
  held: Contention,
): { signal: AbortSignal; arm: () => void } {
  const controller = new AbortController();
  // An internal signal: its reason is never shown (the leadership's own signal says 'node').
  // A reason-less abort() would capture a DOMException's stack, and a closing leader takes
  // this path just before the next in line reads its notification (one process, one thread).
  const gone = {
    abort: () => controller.abort(stacklessError(() => new Error('the node is gone'))),
    signal: controller.signal,
  };
  const watch = async (): Promise<void> => {
    const stat = await client.exists(held.nodePath, {
      watch: (e) => {
        if (e.type === 'NodeDataChanged') void watch().catch(() => gone.abort());
        else if (e.type !== 'WatchRemoved') gone.abort();
      },
    });
    if (!stat || stat.ephemeralOwner !== held.sessionId) gone.abort();
  };
  let armed = false;
  const arm = () => {
    if (armed) return;
    armed = true;
    // Any failure to arm (its session ended, the client closed) counts as losing the node:
    // the caller then joins the line again, which is always safe.
    watch().catch(() => gone.abort());
  };
  return { signal: gone.signal, arm };
}
