/**
 * Stopping quickly whatever ZooKeeper's state (the project's rule: close is quick even when
 * ZooKeeper is gone). A consumer that stops, or a queue that closes, waits for its ZooKeeper
 * work (an ack, a give-back, a listing) while the connection answers, and at most
 * CLOSE_GRACE_MS once it is found down; the work goes on by itself after that, and what it
 * could not do is left to the session (lock nodes are ephemeral) or to core's background job
 * (a guaranteed delete). A stop once waited for a listing's retries: 25 s with the server down.
 */
import type { ZkClient } from '@zk-recipes/core';
import { RELEASE_BOUND_MS, whileConnected } from '@zk-recipes/core/recipe';

/**
 * How long a stop waits for ZooKeeper work once the connection is found down: half the
 * kit's release bound, so that close() returns within that bound (docs/recipes/queue.md).
 */
export const CLOSE_GRACE_MS = RELEASE_BOUND_MS / 2;

/**
 * Waits for `work` (whose rejection is handled by the caller); once `signal` has aborted, only
 * as `whileConnected` allows: CLOSE_GRACE_MS at most after the connection is found down.
 */
export async function settleUnlessStopped(
  client: ZkClient,
  work: Promise<unknown> | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (work === undefined) return;
  if (signal && !signal.aborted) {
    let onAbort!: () => void;
    const aborted = new Promise<boolean>((r) => {
      onAbort = () => r(true);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const done = work.then(
        () => false,
        () => false,
      );
      if (!(await Promise.race([done, aborted]))) return;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  } else if (!signal) {
    await work.catch(() => undefined);
    return;
  }
  await whileConnected(client, work, CLOSE_GRACE_MS);
}
