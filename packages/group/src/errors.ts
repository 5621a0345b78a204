// The kit's node-keeping mechanism owns the conflict (packages/core/src/kit/kept-node.ts); group
// users catch it from here as before.
import { ZkRecipesError } from '@zk-recipes/core';

export { NodeConflictError } from '@zk-recipes/core/recipe';

/**
 * A member's `start({ timeoutMs })` did not join within `timeoutMs` (ZooKeeper unreachable,
 * slow). The member is closed: its node is not kept, and one its create may have made is
 * deleted; make a new GroupMember to try again.
 */
export class GroupTimeoutError extends ZkRecipesError {
  override name = 'GroupTimeoutError';
  constructor(
    path: string,
    /** The member's id. */
    readonly id: string,
    readonly timeoutMs: number,
  ) {
    super('GROUP_TIMEOUT', `member ${id} did not join ${path} within ${timeoutMs} ms`, { path });
  }
}
