/**
 * Starting a queue: its nodes (the queue node, and the lock and dead-letter paths) made as
 * persistent nodes if missing, their parents as containers, as Curator's start() does. Never a
 * container: Java consumers stop for good when the server reaps their queue node.
 */
import { NodeExistsError, SessionExpiredError, type ZkClient } from '@zk-recipes/core';

/** Makes each of `paths` (undefined ones skipped) if missing; ends with `signal`. */
export async function ensureQueueNodes(
  client: ZkClient,
  paths: readonly (string | undefined)[],
  signal: AbortSignal,
): Promise<void> {
  for (const p of paths) if (p !== undefined) await ensureNode(client, p, signal);
}

/**
 * Makes `p` if missing, across the end of a session: the create is idempotent and the client
 * opens a new session at once, so a session that expired with it in flight is no reason for
 * start() to fail (a consumer process whose session expired while starting died of the
 * SessionExpiredError).
 */
async function ensureNode(client: ZkClient, p: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    try {
      await client.create(p, '', { createParents: true, signal });
      return;
    } catch (e) {
      if (e instanceof NodeExistsError) return;
      if (!(e instanceof SessionExpiredError)) throw e;
      await client.blockUntilConnected({ signal });
    }
  }
}
