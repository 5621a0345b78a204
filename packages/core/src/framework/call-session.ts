/**
 * The session a call's requests go out on once its first attempt is made: the fast first
 * attempts of createNode and deleteNode choose their own, every later request (a retry,
 * a parent made for the call, a recursive delete's walk, a protected create's search for its
 * node) comes from here.
 */
import type { RawSession } from '../driver/raw-session.js';
import { abortReason } from '../kit/abort.js';

/**
 * The session a call sends on. With `signal`, a {@link RawSession.withdrawing} view: a request
 * still queued for a reconnect when the signal aborts is taken back, as docs/core.md promises.
 * Nothing is sent once it has aborted: the call has rejected already, and an attempt left
 * running went on after the reconnect behind the caller's back (a recursive delete's walk
 * deleted the whole tree; a create's retry, or a parent made for it, went out and made the
 * node).
 */
export function sessionFor(
  ctx: { raw(): RawSession },
  signal: AbortSignal | undefined,
): RawSession {
  if (signal?.aborted) throw abortReason(signal);
  return withSignal(ctx.raw(), signal);
}

/** `raw`, or with `signal` its withdrawing view: what sessionFor gives, on a session at hand. */
export function withSignal(raw: RawSession, signal: AbortSignal | undefined): RawSession {
  return signal ? raw.withdrawing(signal) : raw;
}
