/**
 * Introspection over a contended path: who is in line, in Curator's order, with each node's
 * data and Stat. Locks report holders and waiters with it, elections their participants.
 */
import type { ZkClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import { sortBySequence, sortKey } from '../paths.js';
import type { Stat } from '../types.js';

/** One contender's node, as read from the server. */
export interface ContenderNode {
  /** The node's full path (in the client's namespace). */
  readonly nodePath: string;
  /** The node's data: Curator writes the host's address for locks, the participant id for elections. */
  readonly data: Buffer;
  readonly stat: Stat;
}

/**
 * The contenders under `path` whose names contain one of `lockNames`, in line order (Curator's
 * sort, so Java and TypeScript agree on it): for a mutex or a latch the first holds or leads.
 * A missing path has no contenders; nodes that vanish while being read are left out.
 *
 * @example
 * const [leader] = await listContenders(client, '/election', ['latch-']);
 * console.log(leader?.data.toString());
 */
export async function listContenders(
  client: ZkClient,
  path: string,
  lockNames: readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<ContenderNode[]> {
  let children: string[];
  try {
    children = (await client.getChildren(path, options)).children;
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
      const nodePath = `${base}/${name}`;
      try {
        const { data, stat } = await client.getData(nodePath, options);
        return { nodePath, data, stat };
      } catch (e) {
        if (e instanceof NoNodeError) return undefined;
        throw e;
      }
    }),
  );
  const present = read.filter((p): p is ContenderNode => p !== undefined);
  // Names that tie past the sequence limit are in creation order (framework/ties.ts).
  const key = (n: ContenderNode) => sortKey(n.nodePath.slice(base.length + 1), lockNames);
  return present
    .map((n, i) => ({ n, i, k: key(n) }))
    .sort((a, b) => (a.k === b.k ? (a.n.stat.czxid < b.n.stat.czxid ? -1 : 1) : a.i - b.i))
    .map((x) => x.n);
}
