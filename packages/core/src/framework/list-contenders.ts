/**
 * Introspection over a contended path: who is in line, in Curator's order, with each node's
 * data and Stat. Locks report holders and waiters with it, elections their participants.
 */
import type { ZkClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import { childPath } from '../paths.js';
import type { Stat } from '../types.js';
import { breakTies, lineOf } from './line.js';

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
  const read = await Promise.all(
    lineOf(children, lockNames).map(async (name) => {
      try {
        const { data, stat } = await client.getData(childPath(path, name), options);
        return { name, node: { nodePath: childPath(path, name), data, stat } };
      } catch (e) {
        if (e instanceof NoNodeError) return undefined;
        throw e;
      }
    }),
  );
  const present = new Map(
    read.filter((r) => r !== undefined).map((r) => [r.name, r.node] as const),
  );
  // Names that tie past the sequence limit are in creation order (./line.ts).
  const czxids = new Map([...present].map(([name, n]) => [name, n.stat.czxid] as const));
  return breakTies([...present.keys()], lockNames, czxids).map((name) => present.get(name)!);
}
