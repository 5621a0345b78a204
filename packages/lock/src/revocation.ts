/**
 * Revocation, Curator's way (Revoker / RevocationListener): whoever wants a lock back writes the
 * bytes `__REVOKE__` into the holder's lock node; the holder watches its own node's data and
 * decides what to do (typically finish up and release). Cooperative: nothing is taken by force.
 */
import type { WatchEvent, ZkClient } from '@zk-recipes/core';
import { NoNodeError } from '@zk-recipes/core';

/** What a revocation request writes into the holder's node (Curator's Revoker writes the same). */
export const REVOKE_MESSAGE = '__REVOKE__';

/** Asks the holder of the lock node `nodePath` to release it (Curator's Revoker.attemptRevoke). */
export async function requestRevoke(client: ZkClient, nodePath: string): Promise<void> {
  try {
    await client.setData(nodePath, REVOKE_MESSAGE);
  } catch (e) {
    if (!(e instanceof NoNodeError)) throw e; // already released
  }
}

/**
 * Watches our own lock node until it is deleted; calls `onRevoke` (once) when its data becomes
 * `__REVOKE__`. A getData watch on our own node goes when the node goes, so nothing is left.
 */
export function watchForRevocation(client: ZkClient, nodePath: string, onRevoke: () => void): void {
  let told = false;
  const check = (event?: WatchEvent) => {
    if (event && event.type !== 'NodeDataChanged') return; // deleted, or the session ended
    client
      .getData(nodePath, { watch: (e) => check(e) })
      .then(({ data }) => {
        if (!told && data.toString() === REVOKE_MESSAGE) {
          told = true;
          onRevoke();
        }
      })
      .catch(() => undefined); // the node is gone: nothing to revoke any more
  };
  check();
}
