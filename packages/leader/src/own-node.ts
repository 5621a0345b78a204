import type { HeldNode, ZkClient } from '@zk-recipes/core';

/**
 * A watch on a node we hold: `gone` turns true, and the `onGone` listener runs, when the node
 * is gone (deleted, or no longer ours), so a leader stops as soon as its node does
 * (CURATOR-620: a latch node deleted after isLeader fired left a second leader). One exists() watch, re-armed on data changes; it is
 * consumed by the node's deletion, so nothing stays on the server.
 *
 * `arm()` sends the exists() (once; later calls do nothing). Callers arm right after telling
 * their listeners of a leadership gained at once, so the request is not on the failover's
 * critical path, yet is queued before any delete a listener can cause (those run after an
 * await), so it finds the node and leaves no watch on a missing one. Before any wait that I/O
 * can interrupt, arm first: a deletion must not go unseen.
 */
export interface OwnNodeWatch {
  /** True once the node is gone (deleted, or no longer ours). */
  readonly gone: boolean;
  /** The one function to call when it goes (at once if it has); undefined for none. */
  onGone(listener: (() => void) | undefined): void;
  arm(): void;
}

export function watchOwnNode(client: ZkClient, held: HeldNode): OwnNodeWatch {
  // A flag and one callback, not an AbortController: nothing outside the recipe sees it, and
  // a signal with its listeners made on the grant path is on the failover's critical path
  // (bench/RESULTS.md, "Figures moved out of source comments").
  let gone = false;
  let listener: (() => void) | undefined;
  const lose = () => {
    if (gone) return;
    gone = true;
    listener?.();
  };
  const watch = async (): Promise<void> => {
    const stat = await client.exists(held.nodePath, {
      watch: (e) => {
        if (e.type === 'NodeDataChanged') void watch().catch(lose);
        else if (e.type !== 'WatchRemoved') lose();
      },
    });
    if (!stat || stat.ephemeralOwner !== held.sessionId) lose();
  };
  let armed = false;
  return {
    get gone() {
      return gone;
    },
    onGone(l) {
      listener = l;
      if (gone) l?.();
    },
    arm() {
      if (armed) return;
      armed = true;
      // Any failure to arm (its session ended, the client closed) counts as losing the node:
      // the caller then joins the line again, which is always safe.
      watch().catch(lose);
    },
  };
}
