/** A node a recipe made itself and holds, in the shape the contender gives its holders. */
import type { ZkClient } from '../client.js';
import { releaseInView } from '../client-session.js';
import type { HeldNode } from '../framework/contender.js';
import type { Stat } from '../types.js';

/**
 * A node this client made and holds outside the contender (a semaphore's lease, a downgraded
 * read node), an ephemeral of the session in `stat.ephemeralOwner`: its release is a guaranteed
 * delete (idempotent), a node already gone being fine, and it returns at once while ZooKeeper
 * cannot be reached: the delete goes on in the background, or the node goes with its session
 * (framework/release.ts).
 */
export function heldNode(client: ZkClient, nodePath: string, stat: Stat): HeldNode {
  let releasing: Promise<void> | undefined;
  return {
    nodePath,
    fencingToken: stat.czxid,
    sessionId: stat.ephemeralOwner,
    stat,
    release: () => (releasing ??= releaseInView(client, nodePath, stat.ephemeralOwner)),
  };
}
