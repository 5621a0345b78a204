/** Who holds a lock and who waits: introspection over the lock's nodes. */
import { NoNodeError, sortBySequence, type ZkClient } from '@zk-recipes/core';

export interface Participant {
  /** The participant's node. */
  nodePath: string;
  /** Its node data (Curator writes the holder's address; Mutex the same by default). */
  data: Buffer;
  /** Its fencing token (the node's czxid). */
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
        return { nodePath: `${base}/${name}`, data, fencingToken: stat.czxid };
      } catch (e) {
        if (e instanceof NoNodeError) return undefined;
        throw e;
      }
    }),
  );
  return read.filter((p): p is Participant => p !== undefined);
}
