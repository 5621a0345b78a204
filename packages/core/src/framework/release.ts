/**
 * The release of a node a recipe holds (a lock's, a lease's, a leader's): an ephemeral of a
 * known session, so it never needs ZooKeeper to be up for the release to return. Connected on
 * its session: one delete, awaited. Its session known to be over (LOST, the client closed):
 * the node went with it (after LOST a background job makes sure on the next session). The
 * connection down (SUSPENDED), or no reply in time: the delete is handed to the background
 * job, done on reconnect to that session or moot once the session ends, and release returns.
 * A release used to wait for the delete's retries (6 × the request timeout: 182 s with a
 * stopped server), past an orchestrator's shutdown grace period.
 */
import type { Connection } from '../connection.js';
import * as ops from '../driver/ops.js';
import { DeleteRequest } from '../driver/wire.js';
import { ClientClosedError, isRetryable, NoNodeError, SessionExpiredError } from '../errors.js';
import { deferDelete } from './delete-node.js';
import type { FrameworkContext } from './nodes.js';

/**
 * The bound, documented and tested, within which a recipe's release or close returns while
 * ZooKeeper cannot be reached (docs/recipes/lock.md, docs/recipes/leader.md). A release
 * returns at once then; a long-lived recipe's close gives its turn this long to unwind.
 */
export const RELEASE_BOUND_MS = 1000;

/**
 * The deadline of a release's delete while connected: a reply not in by then (a server that
 * went silent before the watchdog noticed) hands the delete to the background too, so the
 * bound holds on a silent connection as well; the margin covers the deadline sweep's period.
 */
const DELETE_DEADLINE_MS = RELEASE_BOUND_MS - 100;

/** What a release needs to know of its client: its session and whether it is closed. */
export interface ReleaseContext extends FrameworkContext {
  readonly connection: Pick<Connection, 'session' | 'state'>;
  readonly closePromise: Promise<void> | undefined;
}

/** The session a node of `sessionId` belongs to is known to be over here (LOST). */
function sessionOver(ctx: ReleaseContext, sessionId: bigint): boolean {
  const s = ctx.connection.session;
  return s === undefined || s.sessionId !== sessionId || s.signal.aborted;
}

/** Connected now, on the session that made the node. */
function connectedOn(ctx: ReleaseContext, sessionId: bigint): boolean {
  const state = ctx.connection.state;
  if (state !== 'CONNECTED' && state !== 'RECONNECTED') return false;
  const raw = ctx.raw();
  return raw.connected && raw.sessionId === sessionId;
}

/**
 * Deletes `path`, an ephemeral of session `sessionId` (a server path), within
 * {@link RELEASE_BOUND_MS} whatever the connection: see the module's comment. Resolves once
 * the node is gone or its delete is left to the background or to its session's end; rejects
 * only with an error the server gave (NOAUTH, ...). Never retried in the caller's time: a
 * connection loss during the delete, or no reply within the bound, hands it to the background
 * too.
 */
export function releaseEphemeral(
  ctx: ReleaseContext,
  path: string,
  sessionId: bigint,
): Promise<void> {
  try {
    // Closed: the close ended the session, and with it the node (or the server expires it).
    if (ctx.closePromise !== undefined) return Promise.resolve();
    if (!connectedOn(ctx, sessionId) || sessionOver(ctx, sessionId)) {
      deferDelete(ctx, path, () => ops.remove(ctx.raw(), path, -1), sessionId);
      return Promise.resolve();
    }
    // Connected: a reply, CONNECTIONLOSS as soon as the connection drops (the package fails
    // requests in flight when its socket closes), or the deadline on a silent connection.
    return new Promise((resolve, reject) => {
      ctx.raw().send(path, new DeleteRequest(path, -1), DELETE_DEADLINE_MS, (err) => {
        if (err === null || err instanceof NoNodeError) resolve();
        else if (err instanceof SessionExpiredError || err instanceof ClientClosedError) resolve();
        else if (isRetryable(err)) {
          deferDelete(ctx, path, () => ops.remove(ctx.raw(), path, -1), sessionId);
          resolve();
        } else reject(err);
      });
    });
  } catch (e) {
    // ctx.raw() throws once the client is closed: the node went with the session.
    if (e instanceof ClientClosedError) return Promise.resolve();
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}
