/**
 * Connection states, named as Curator names them.
 * - `CONNECTED`: the first connection of the client is up.
 * - `SUSPENDED`: the connection is gone; the session may still live on the server (and with it
 *   ephemeral nodes, locks, leadership), or may already have expired there.
 * - `RECONNECTED`: connected again, to the same session or (after LOST) to a new one.
 * - `LOST`: the session is gone: the server expired it, or the client was disconnected for
 *   longer than the negotiated session timeout. A new session follows by itself.
 * - `CLOSED`: the client was closed (by close(), or by a failed start()): the one transition a
 *   close reports, from whatever state the client was in, and the last. Its session ends with
 *   it; nothing follows.
 * See docs/connection-states.md for a timeline.
 */
export type ConnectionState = 'CONNECTED' | 'SUSPENDED' | 'RECONNECTED' | 'LOST' | 'CLOSED';

/** What a listener is told with each transition. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState | 'LATENT';
  /** The session the change concerns (the new one on RECONNECTED after LOST). */
  sessionId: bigint;
  /** Why LOST happened (a close is `CLOSED`, not LOST). */
  reason?: 'expired' | 'timeout' | 'authFailed';
}

/** Called with each connection state change, in order, each once. */
export type StateListener = (change: StateChange) => void;

/**
 * How recipes judge SUSPENDED. `standard` (the default, as in Curator): SUSPENDED already means
 * what the session holds may be lost, so a lock holder stops work at once. `session`: only
 * LOST counts; choose it when a short disconnect must not interrupt a holder, and rely on
 * fencing tokens (docs/failure-modes.md, 2: SUSPENDED is not LOST, and 4: process pause
 * while holding).
 */
export type ErrorPolicy = 'standard' | 'session';

/** Whether, under `policy`, entering `state` means what the session holds may be lost. */
export function isHoldingLost(policy: ErrorPolicy, state: ConnectionState): boolean {
  return state === 'LOST' || state === 'CLOSED' || (policy === 'standard' && state === 'SUSPENDED');
}
