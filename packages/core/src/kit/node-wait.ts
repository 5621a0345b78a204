/**
 * "Wait until a node exists (or is gone, or its Stat satisfies a predicate)": a barrier waiting
 * for its node to go, a double barrier for its `ready` node or for another member to leave.
 * One exists() watch at a time, asked again only when it fires: the same shape as
 * waitForChildren, for one node.
 */
import type { ZkClient } from '../client.js';
import { SessionExpiredError } from '../errors.js';
import type { Stat, WatchEvent } from '../types.js';
import { Deadline, waitFor, type WaitOptions } from './deadline.js';

/**
 * Asks `exists(path)` until `until(stat)` is true (stat is null for an absent node) and resolves
 * with that Stat; between asks it waits for the watch to fire. Resolves undefined at the
 * deadline. Rejects with the signal's reason, with SessionExpiredError when the session ends
 * while waiting, or with what `until` throws. Only a watch event wakes it: connection events
 * (SUSPENDED, RECONNECTED) do not, so a wait never ends early on one (the double barrier bug
 * GH-1290: Curator's shared watcher woke on session events and passed). A watch set by the ask
 * that satisfied `until` is removed, so nothing is left on the server.
 */
export async function waitForNode(
  client: ZkClient,
  path: string,
  until: (stat: Stat | null) => boolean,
  options: WaitOptions | Deadline = {},
): Promise<Stat | null | undefined> {
  const deadline = Deadline.of(options);
  const signal = deadline.signal;
  for (;;) {
    let fired: WatchEvent | undefined;
    let wake: ((e: WatchEvent) => void) | undefined;
    const stat = await client.exists(path, {
      ...(signal ? { signal } : {}),
      watch: (e) => {
        fired = e;
        wake?.(e);
      },
    });
    if (until(stat)) {
      if (fired === undefined) {
        await client.removeWatches(path, { type: 'data' }).catch(() => undefined);
      }
      return stat;
    }
    const event =
      fired ??
      (await waitFor<WatchEvent>(deadline, (settle) => {
        wake = settle;
        return () => (wake = undefined);
      }));
    if (event === undefined) {
      // The deadline: the watch stays armed on the server until the node changes; take it off.
      await client.removeWatches(path, { type: 'data' }).catch(() => undefined);
      return undefined;
    }
    if (event.type === 'SessionLost') {
      throw new SessionExpiredError('the session ended while waiting', { path });
    }
  }
}
