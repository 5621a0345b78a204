import { ZkRecipesError } from '@zk-recipes/core';

/**
 * The node a PersistentNode keeps is held by someone else: an ephemeral node of another live
 * session (a duplicate member id, a second process on the same path), or a node of another
 * kind than ours. Nothing of it was changed. Curator adopts such a node (it overwrites its data
 * and both processes believe they own it); we refuse, and wait for it to go.
 */
export class NodeConflictError extends ZkRecipesError {
  override name = 'NodeConflictError';
  constructor(
    path: string,
    /** The session owning the node (0n for a persistent node). */
    readonly owner: bigint,
  ) {
    super(
      'NODE_CONFLICT',
      owner === 0n
        ? `${path} exists and is not an ephemeral node of this session`
        : `${path} is held by another session (0x${owner.toString(16)})`,
      { path },
    );
  }
}
