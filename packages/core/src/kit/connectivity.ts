/**
 * Waits that must not outlast the connection: a recipe's release or close waits for its own
 * work while ZooKeeper answers, and stops waiting (within a bound) once it cannot, so that a
 * shutdown with ZooKeeper gone is quick (framework/release.ts has the bound).
 */
import type { ZkClient } from '../client.js';
import type { ConnectionState, StateListener } from '../states.js';

const isUp = (state: ConnectionState | 'LATENT') =>
  state === 'CONNECTED' || state === 'RECONNECTED';

/**
 * What to call when each client's connection goes: one state listener per client view, not one
 * per wait (Node warns past 10 listeners on an emitter, and a lock may have thousands of waits).
 */
const onDown = new WeakMap<ZkClient, Set<() => void>>();

function downListeners(client: ZkClient): Set<() => void> {
  let set = onDown.get(client);
  if (!set) {
    const s = new Set<() => void>();
    client.onStateChange(({ state }) => {
      if (isUp(state)) return;
      for (const f of [...s]) f();
    });
    onDown.set(client, s);
    set = s;
  }
  return set;
}

/**
 * Resolves when `work` settles (its result and error ignored), or `graceMs` after the client is
 * found not connected (SUSPENDED, LOST, CLOSED; at once if it is not connected now), whichever
 * comes first. `work` goes on by itself after that (its rejection is handled here). Nothing is
 * left behind once it resolves: no listener, no timer.
 *
 * @example
 * // A close that waits for its loop to unwind while ZooKeeper answers, and at most 500 ms
 * // more once it cannot (the loop's delete then goes on in the background).
 * await whileConnected(this.client, this.running, 500);
 */
export function whileConnected(
  client: ZkClient,
  work: Promise<unknown>,
  graceMs = 0,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const listeners = downListeners(client);
    const finish = () => {
      if (settled) return;
      settled = true;
      listeners.delete(down);
      if (timer) clearTimeout(timer);
      resolve();
    };
    const down = () => {
      listeners.delete(down);
      if (graceMs <= 0) finish();
      else timer ??= setTimeout(finish, graceMs);
    };
    work.then(finish, finish);
    if (!isUp(client.state)) down();
    else listeners.add(down);
  });
}

/** Each client's state listeners fanned out from one listener on its connection. */
const fanOut = new WeakMap<ZkClient, { listeners: Set<StateListener>; stop: () => void }>();

/**
 * Like `client.onStateChange(listener)`, with one listener per client on the connection
 * whatever the number of callers (a process with 50 caches on one client made Node warn,
 * MaxListenersExceededWarning). Listeners run in the order they were added; returns the
 * function that removes this one (the connection's listener goes with the last).
 */
export function onClientState(client: ZkClient, listener: StateListener): () => void {
  let entry = fanOut.get(client);
  if (!entry) {
    const listeners = new Set<StateListener>();
    const stop = client.onStateChange((change) => {
      // Each on its own, as the connection calls its listeners: one that throws stops no
      // other; the first error goes to the connection, which reports it.
      let failed: { error: unknown } | undefined;
      for (const f of [...listeners]) {
        try {
          f(change);
        } catch (error) {
          failed ??= { error };
        }
      }
      if (failed) throw failed.error;
    });
    entry = { listeners, stop };
    fanOut.set(client, entry);
  }
  const e = entry;
  // A wrapper per registration, so one listener added twice is removed once per remove.
  const own: StateListener = (c) => listener(c);
  e.listeners.add(own);
  return () => {
    if (!e.listeners.delete(own) || e.listeners.size > 0) return;
    e.stop();
    if (fanOut.get(client) === e) fanOut.delete(client);
  };
}
