import { ZkRecipesError } from '@zk-recipes/core';

/** Why a leadership ended: the reason its signal aborts with. */
export type LeadershipEnd =
  'connection' | 'node' | 'closed' | 'resigned' | 'interrupted' | 'finished';

/**
 * The reason a leadership signal aborts with. `why`: `connection` (the error policy says the
 * session may be lost), `node` (the leader's node is gone), `closed`, `resigned`,
 * `interrupted` (LeaderSelector.interruptLeadership()), `finished` (takeLeadership returned).
 */
export class LeadershipLostError extends ZkRecipesError {
  override name = 'LeadershipLostError';
  constructor(
    readonly why: LeadershipEnd,
    path: string,
    cause?: unknown,
  ) {
    super('LEADERSHIP_LOST', `leadership ended (${why})`, { path, cause });
  }
}
