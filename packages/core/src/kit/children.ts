/**
 * "Wait until the children of a path satisfy a predicate": a semaphore waiting for a free
 * lease, a barrier for its members, a queue consumer for items. One children watch at a time,
 * listed again only when it fires.
 */
import type { ZkClient } from '../client.js';
import { SessionExpiredError } from '../errors.js';
import type { WatchEvent } from '../types.js';
import { Deadline, waitFor, type WaitOptions } from './deadline.js';

/**
 * Lists `path`'s children until `until(children)` is true, and resolves with that listing;
 * between listings it waits for the children watch to fire. Resolves undefined at the
 * deadline (the last watch stays on the server until the children change; a caller that
 * changes them itself, as a semaphore deleting its lease node, clears it so). Rejects with the
 * signal's reason, with SessionExpiredError when the session ends while waiting, with what
 * `until` throws (to stop early, e.g. when our own node is gone), or with the listing's error
 * (NoNodeError for a missing path). A watch set by the listing that satisfied `until` is
 * removed, so nothing is left on the server.
 */
export async function waitForChildren(
  client: ZkClient,
  path: string,
  until: (children: string[]) => boolean,
  options: WaitOptions | Deadline = {},
): Promise<string[] | undefined> {
  const deadline = Deadline.of(options);
  const signal = deadline.signal;
  for (;;) {
    let fired: WatchEvent | undefined;
    let wake: ((e: WatchEvent) => void) | undefined;
    const { children } = await client.getChildren(path, {
      ...(signal ? { signal } : {}),
      watch: (e) => {
        fired = e;
        wake?.(e);
      },
    });
    if (until(children)) {
      // The listing's watch is no longer wanted: leave nothing on the server.
      if (fired === undefined) {
        await client.removeWatches(path, { type: 'children' }).catch(() => undefined);
      }
      return children;
    }
    const event =
      fired ??
      (await waitFor<WatchEvent>(deadline, (settle) => {
        wake = settle;
        return () => (wake = undefined);
      }));
    if (event === undefined) return undefined;
    if (event.type === 'SessionLost') {
      throw new SessionExpiredError('the session ended while waiting', { path });
    }
  }
}
