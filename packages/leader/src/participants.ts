import type { ZkClient } from '@zk-recipes/core';
import { listContenders } from '@zk-recipes/core/recipe';

/** One participant of an election, as read from its node. */
export interface ElectionParticipant {
  /** Its id: the node's data as UTF-8 (what Curator's Participant.getId() returns). */
  readonly id: string;
  readonly nodePath: string;
  /** Whether it leads (the first in line). */
  readonly isLeader: boolean;
  /** The epoch it leads or would lead with: its node's czxid. */
  readonly epoch: bigint;
}

/** The participants of the election at `path` among nodes named with `lockName`, in line order. */
export async function readParticipants(
  client: ZkClient,
  path: string,
  lockName: string,
  options: { signal?: AbortSignal } = {},
): Promise<ElectionParticipant[]> {
  const nodes = await listContenders(client, path, [lockName], options);
  return nodes.map((n, i) => ({
    id: n.data.toString('utf8'),
    nodePath: n.nodePath,
    isLeader: i === 0,
    epoch: n.stat.czxid,
  }));
}
