import { ClientClosedError, SessionExpiredError, ZkRecipesError } from '@zk-recipes/core';

/** Why a lease ended: the reason its signal aborts with. */
export type LeaseEnd = 'connection' | 'session' | 'closed' | 'released';

/**
 * The reason a lease's signal aborts with (as a leadership's is a LeadershipLostError). `why`:
 * `connection` (the connection was lost, SUSPENDED, under the client's `standard` error
 * policy: the lock may be lost), `session` (the session was LOST: the lock is gone), `closed`
 * (the client was closed), `released` (the lease was released). `cause` is the client's own
 * reason, where there is one. `path` is the lock's path for `released`; the others concern the
 * whole session, and every lease of the session shares one error.
 */
export class LeaseLostError extends ZkRecipesError {
  override name = 'LeaseLostError';
  constructor(
    readonly why: LeaseEnd,
    options?: { path?: string; cause?: unknown },
  ) {
    super('LEASE_LOST', `lease ended (${why})`, options);
  }
}

/** The `why` of a client's hold signal reason (ClientClosedError, SessionExpiredError, SUSPENDED). */
export function leaseEndOf(reason: unknown): LeaseEnd {
  if (reason instanceof ClientClosedError) return 'closed';
  if (reason instanceof SessionExpiredError) return 'session';
  return 'connection';
}
