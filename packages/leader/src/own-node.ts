import type { Contention, ZkClient } from '@zk-recipes/core';

/**
 * Watches a node we hold and returns a signal that aborts when it is gone (deleted, or no
 * longer ours), so a leader stops as soon as its node does (CURATOR-620: a latch node deleted
 * after isLeader fired left a second leader). One exists() watch, re-armed on data changes;
 * it is consumed by the node's deletion, so nothing stays on the server.
 */
export function watchOwnNode(client: ZkClient, held: Contention): AbortSignal {
  const gone = new AbortController();
  const arm = async (): Promise<void> => {
    const stat = await client.exists(held.nodePath, {
      watch: (e) => {
        if (e.type === 'NodeDataChanged') void arm().catch(() => gone.abort());
        else if (e.type !== 'WatchRemoved') gone.abort();
      },
    });
    if (!stat || stat.ephemeralOwner !== held.sessionId) gone.abort();
  };
  // Any failure to arm (its session ended, the client closed) counts as losing the node:
  // the caller then joins the line again, which is always safe.
  arm().catch(() => gone.abort());
  return gone.signal;
}
