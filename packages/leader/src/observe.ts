import {
  ClientClosedError,
  InvalidArgumentError,
  validatePath,
  type PersistentWatch,
  type ZkClient,
} from '@zk-recipes/core';
import { LATCH_NAME } from './latch.js';
import { readParticipants, type ElectionParticipant } from './participants.js';
import { SELECTOR_LOCK_NAME } from './selector.js';
import { sleep } from '@zk-recipes/core/recipe';
import { backoffMs } from './waits.js';

/** Options of {@link observeLeader}. */
export interface ObserveLeaderOptions {
  /** Which election's nodes: `latch` (LeaderLatch, the default) or `selector` (LeaderSelector). */
  kind?: 'latch' | 'selector';
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/** The node name of an election's kind (validated). */
function lockNameOf(kind: ObserveLeaderOptions['kind'] = 'latch'): string {
  if (kind !== 'latch' && kind !== 'selector') {
    throw new InvalidArgumentError('kind', 'kind must be latch or selector');
  }
  return kind === 'latch' ? LATCH_NAME : SELECTOR_LOCK_NAME;
}

/**
 * Who leads the election at `path` now, read once (undefined when nobody does); for a leader
 * that changes, {@link observeLeader}. It takes no part in the election.
 *
 * @example
 * const leader = await getLeader(client, '/services/billing/leader');
 * console.log(leader?.id ?? 'no leader');
 */
export async function getLeader(
  client: ZkClient,
  path: string,
  options: ObserveLeaderOptions = {},
): Promise<ElectionParticipant | undefined> {
  validatePath(path);
  const lockName = lockNameOf(options.kind);
  const signal = options.signal;
  return (await readParticipants(client, path, lockName, signal ? { signal } : {}))[0];
}

/**
 * Who leads the election at `path`, now and at each change: an async iterator that yields the
 * leader (undefined while nobody leads) first at once, then each time it changes. For
 * dashboards and routing; it takes no part in the election. It watches the path with one
 * persistent watch (ZooKeeper 3.6+), re-reads after a reconnect (events may have been missed
 * then), and removes its watch when the loop ends (`break`, the signal, an error), so nothing
 * is left on the server (CURATOR-240, CURATOR-167).
 *
 * @example
 * for await (const leader of observeLeader(client, '/services/billing/leader', { signal })) {
 *   console.log(leader ? `leader: ${leader.id}` : 'no leader');
 * }
 */
export async function* observeLeader(
  client: ZkClient,
  path: string,
  options: ObserveLeaderOptions = {},
): AsyncGenerator<ElectionParticipant | undefined, void, undefined> {
  validatePath(path);
  const lockName = lockNameOf(options.kind);
  const stop = options.signal ?? new AbortController().signal;
  stop.throwIfAborted();
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  const watch: PersistentWatch = await client.addWatch(path, poke);
  const offState = client.onStateChange(({ state }) => {
    if (state === 'RECONNECTED') poke(); // events during the disconnect were not delivered
  });
  stop.addEventListener('abort', poke, { once: true });
  let last: string | undefined | null = null;
  let failures = 0;
  try {
    while (!stop.aborted) {
      if (!dirty) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      dirty = false;
      let leader: ElectionParticipant | undefined;
      try {
        [leader] = await readParticipants(client, path, lockName, { signal: stop });
        failures = 0;
      } catch (e) {
        if (stop.aborted) return;
        if (e instanceof ClientClosedError) throw e;
        // Not connected now: try again soon; the state listener also wakes us on reconnect.
        dirty = true;
        await sleep(backoffMs(++failures), stop).catch(() => undefined);
        continue;
      }
      const key = leader ? `${leader.nodePath}\u0000${leader.id}` : undefined;
      if (key !== last) {
        last = key;
        yield leader;
      }
    }
  } finally {
    stop.removeEventListener('abort', poke);
    offState();
    await watch.remove().catch(() => undefined);
  }
}
