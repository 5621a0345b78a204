/**
 * The deadline of every request a session has sent and not yet settled. Checked by one sweep
 * per session while requests are pending, not by a timer per request: a Timeout object per
 * request was a measurable share of allocation (and so of GC) at thousands of requests per
 * second (bench/core-vs-raw.mjs). A request times out between timeoutMs and
 * timeoutMs + SWEEP_MS after it was issued.
 */
import { OperationTimeoutError, type ClientClosedError, type ZooKeeperError } from '../errors.js';
import type { JuteRequest } from './nzc.js';
import { abortReason, whenAborted } from '../kit/abort.js';

const SWEEP_MS = 25;

/** One request waiting for its reply. */
export interface PendingCall {
  settle: (err: Error, resp: undefined) => void;
  deadline: number;
  path: string | undefined;
  timeoutMs: number;
  /** The queued request, so a deadline can take it back if it has not been sent yet. */
  request: JuteRequest;
}

export class Deadlines {
  private readonly pending = new Set<PendingCall>();
  private sweeper: NodeJS.Timeout | undefined;

  /**
   * `takeBackAll`: removes the requests of `requests` not sent yet from the send queue, and
   * returns those it removed (the others were written already).
   */
  constructor(private readonly takeBackAll: (requests: Set<JuteRequest>) => Set<JuteRequest>) {}

  /** Takes one request back: true if it was still unsent. */
  private takeBack(request: JuteRequest): boolean {
    return this.takeBackAll(new Set([request])).size > 0;
  }

  /** Starts the clock on a request about to be queued; `settle` hears a timeout. */
  track(
    settle: PendingCall['settle'],
    path: string | undefined,
    timeoutMs: number,
    request: JuteRequest,
  ): PendingCall {
    const call: PendingCall = {
      settle,
      deadline: Date.now() + timeoutMs,
      path,
      timeoutMs,
      request,
    };
    this.pending.add(call);
    // Ref'd while requests wait (a caller awaiting a reply keeps the process alive), and
    // cleared as soon as none do, so an idle client holds no timer.
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
    return call;
  }

  /** Takes `call` out; false when it was already settled (timed out or failed). */
  settle(call: PendingCall): boolean {
    return this.pending.delete(call);
  }

  private sweep(): void {
    const now = Date.now();
    for (const p of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(p);
      // Not sent yet (waiting for a reconnect): take it back, so it is not applied later behind
      // the caller's back (or behind its retry).
      this.takeBack(p.request);
      p.settle(
        new OperationTimeoutError(`no reply within ${p.timeoutMs} ms`, { path: p.path }),
        undefined,
      );
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /**
   * `settle`, and a listener that takes the call's request back when `signal` aborts while it
   * still waits to be written (queued for a reconnect): then nothing reached the server, and
   * `settle` hears the signal's reason at once instead of waiting for a reconnect or the
   * deadline (a closed recipe's create must not go out when the server is back). A request
   * already written waits for its reply, or CONNECTIONLOSS when its connection drops.
   */
  withdrawOnAbort<A extends unknown[]>(
    signal: AbortSignal,
    settle: (err: Error | null, ...rest: A) => void,
    call: () => PendingCall,
  ): (err: Error | null, ...rest: A) => void {
    const onAbort = () => {
      const c = call();
      if (!this.pending.has(c) || !this.takeBack(c.request)) return;
      this.pending.delete(c);
      c.settle(abortReason(signal), undefined);
    };
    const off = whenAborted(signal, onAbort);
    return (err, ...rest) => {
      off();
      settle(err, ...rest);
    };
  }

  /**
   * Settles every request still waiting with an error of `makeError` (the session ended), told
   * whether the request was still unsent: one not yet written is taken back first, so it can
   * never reach a server later, and nothing of it was applied.
   */
  failAll(makeError: (unsent: boolean) => ZooKeeperError | ClientClosedError): void {
    // Cleared first: a handler may send again at once (a fast path handing over to its retry).
    const waiting = [...this.pending];
    this.pending.clear();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const unsent = this.takeBackAll(new Set(waiting.map((p) => p.request)));
    for (const p of waiting) p.settle(makeError(unsent.has(p.request)), undefined);
  }
}
