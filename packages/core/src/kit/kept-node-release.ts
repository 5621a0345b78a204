/**
 * A kept node's removal on close (kit/kept-node.ts), all of it within one release bound counted
 * from the call to close(): the keeping's last request, then the delete. The bound used to start
 * only once the keeping had ended, so a close with a request in flight on a silent connection
 * took the bound twice over, and more (1 s waiting for the request, then up to 1 s for the
 * delete, or until the connection was known to be down).
 */
import type { ZkClient } from '../client.js';
import { isRetryable, NoNodeError } from '../errors.js';
import type { Stat } from '../types.js';
import { settledWithin, type Deadline } from './deadline.js';
import { heldNode } from './held-node.js';
import type { Placement } from './kept-node-place.js';

/**
 * Removes the node `placement` held (`held`, as close() found it), waiting at most until `deadline`: past it (ZooKeeper
 * silent or gone), an ephemeral goes with its session or its delete is finished by the client's
 * background job (framework/release.ts), and a persistent node's guaranteed delete goes on in
 * the background. Never placed, a create whose outcome is unknown is handed to the background
 * job. Errors the server gave (NOAUTH) go to `report`, never to the caller.
 */
export async function removeKept(
  client: ZkClient,
  placement: Placement,
  held: { path: string | undefined; stat: Stat | undefined },
  deadline: Deadline,
  report: (error: unknown) => void,
): Promise<void> {
  const { path, stat } = held;
  if (path === undefined || stat === undefined) {
    placement.abandonUnknown();
    return;
  }
  const gone = placement.ephemeral
    ? heldNode(client, path, stat)
        .release()
        .catch((e: unknown) => report(e))
    : client.delete(path, { guaranteed: true }).catch((e: unknown) => {
        // A connection or session lost: the client's background job finishes the delete.
        if (!(e instanceof NoNodeError || isRetryable(e))) report(e);
      });
  await settledWithin(deadline, gone);
}
