/** Who holds a lock and who waits: introspection over the lock's nodes. */
import type { ZkClient } from '@zk-recipes/core';
import { listContenders } from '@zk-recipes/core/recipe';
import { fencingTokenOf } from './lease.js';

/** One node in a lock's line, in line order: who holds and who waits. */
export interface Participant {
  /** The participant's node. */
  nodePath: string;
  /** Its node data (Curator writes the holder's address; Mutex the same by default). */
  data: Buffer;
  /**
   * The fencing token of the node's first grant, `czxid * 2^16`. A node handed over inside its
   * process (Mutex's local hand-off) is held later with tokens a little above it (plus the
   * hand-off count, at most 65,535): still below the next node's.
   */
  fencingToken: bigint;
}

/**
 * The participants on `path` whose names contain one of `lockNames`, in line order (Curator's
 * sort): for a mutex the first holds and the rest wait. Nodes that vanish while being read are
 * left out.
 */
export async function participants(
  client: ZkClient,
  path: string,
  lockNames: readonly string[],
): Promise<Participant[]> {
  const nodes = await listContenders(client, path, lockNames);
  return nodes.map((n) => ({
    nodePath: n.nodePath,
    data: n.data,
    fencingToken: fencingTokenOf(n.stat.czxid),
  }));
}
