/** A node a recipe made itself and holds, in the shape the contender gives its holders. */
import type { ZkClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import type { HeldNode } from '../framework/contender.js';
import type { Stat } from '../types.js';

/**
 * A node this client made and holds outside the contender (a semaphore's lease, a downgraded
 * read node): its release is a guaranteed delete (idempotent), a node already gone being fine.
 */
export function heldNode(client: ZkClient, nodePath: string, stat: Stat): HeldNode {
  let releasing: Promise<void> | undefined;
  return {
    nodePath,
    fencingToken: stat.czxid,
    sessionId: stat.ephemeralOwner,
    stat,
    release: () =>
      (releasing ??= client.delete(nodePath, { guaranteed: true }).catch((e: unknown) => {
        if (!(e instanceof NoNodeError)) throw e;
      })),
  };
}
