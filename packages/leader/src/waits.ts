/** Waits the election recipes share; each ends on its signal, so none can hang a close(). */
import { SessionExpiredError, type ZkClient } from '@zk-recipes/core';
import { Deadline, joinSignals, waitFor } from '@zk-recipes/core/recipe';

/**
 * Resolves once what session `sessionId` holds counts as held again under the client's error
 * policy (after SUSPENDED: RECONNECTED to that same session). Rejects with SessionExpiredError
 * once that session is gone, and with the signal's reason on abort.
 */
export function untilHoldable(
  client: ZkClient,
  sessionId: bigint,
  signal: AbortSignal,
): Promise<AbortSignal> | AbortSignal {
  // Usually holdable at once: answer without a promise (a grant is on the failover path).
  if (!signal.aborted) {
    const s = client.session;
    const hold = client.holdSignal();
    if (s && s.sessionId === sessionId && !s.signal.aborted && !hold.aborted) return hold;
  }
  return waitUntilHoldable(client, sessionId, signal);
}

async function waitUntilHoldable(
  client: ZkClient,
  sessionId: bigint,
  signal: AbortSignal,
): Promise<AbortSignal> {
  for (;;) {
    signal.throwIfAborted();
    const s = client.session;
    if (!s || s.sessionId !== sessionId || s.signal.aborted) {
      throw new SessionExpiredError('the session that made our node is gone');
    }
    const hold = client.holdSignal();
    if (!hold.aborted) return hold;
    // Any state change, the caller's abort or the session's end: look again.
    const wake = joinSignals([signal, s.signal]);
    await waitFor(Deadline.of({ signal: wake.signal }), (settle) =>
      client.onStateChange(() => settle(true)),
    ).catch(() => undefined);
    wake.dispose();
  }
}

/** Delay before trying again after the `failures`-th failure in a row: 50 ms doubling to 2 s. */
export function backoffMs(failures: number): number {
  return Math.min(2000, 50 * 2 ** Math.max(0, failures - 1));
}
