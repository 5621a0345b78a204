/** Who holds a lock and who waits: introspection over the lock's nodes. */
import { NoNodeError, sortBySequence, type ZkClient } from '@zk-recipes/core';
import { fencingTokenOf } from './lease.js';

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
  let children: string[];
  try {
    children = (await client.getChildren(path)).children;
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
  const sorted = sortBySequence(
    children.filter((c) => lockNames.some((n) => c.includes(n))),
    lockNames,
  );
  const base = path === '/' ? '' : path;
  const read = await Promise.all(
    sorted.map(async (name) => {
      try {
        const { data, stat } = await client.getData(`${base}/${name}`);
        return { nodePath: `${base}/${name}`, data, fencingToken: fencingTokenOf(stat.czxid) };
      } catch (e) {
        if (e instanceof NoNodeError) return undefined;
        throw e;
      }
    }),
  );
  return read.filter((p): p is Participant => p !== undefined);
}
