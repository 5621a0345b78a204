/**
 * A kept node takes back what this client's own previous sessions left at its place (ADR 0032):
 * a restarted server restores a session the client has declared LOST, with its ephemerals,
 * until that session times out there. Only this client can own such a session, so its nodes
 * are ours to delete; another session's never are (kit/kept-node-place.ts reports those as a
 * conflict).
 */
import type { ZkClient } from '../client.js';
import { isPreviousSession } from '../client-session.js';
import { BadVersionError, NoNodeError } from '../errors.js';
import { findSequentialOwned } from './lost-create.js';

/**
 * Deletes our previous session's node at `version` (as read): gone meanwhile or changed, the
 * caller's next round reads it again.
 */
export async function replacePrevious(
  client: ZkClient,
  path: string,
  version: number,
  signal: AbortSignal,
): Promise<void> {
  try {
    await client.delete(path, { version, signal });
  } catch (e) {
    if (!(e instanceof NoNodeError || e instanceof BadVersionError)) throw e;
  }
}

/**
 * Deletes a sequential kept node's nodes of this client's previous sessions, before the node
 * is made on a new one. Its name differs in each session, so they are looked for by name and
 * owner, as a lost create is (kit/lost-create.ts); without this, watchers saw the instance
 * twice until the old session timed out at the server
 * (docs/adr/0034-sequential-kept-node-takes-back-its-previous-session.md).
 */
export async function removePreviousSequential(
  client: ZkClient,
  path: string,
  signal: AbortSignal,
): Promise<void> {
  const previous = (owner: bigint) => isPreviousSession(client, owner);
  for (const node of await findSequentialOwned(client, path, previous, { signal })) {
    await replacePrevious(client, node.path, node.stat.version, signal);
  }
}
