/**
 * The one deadline of a blocking call: made once from the caller's `{ signal, timeoutMs }`,
 * then handed down (local line, contender, waits) instead of converting the timeout again at
 * every layer.
 */
import { InvalidArgumentError, ZkRecipesError } from '../errors.js';
import { MAX_TIMER_MS } from '../options.js';
import { checkSignal } from '../validate.js';
import { abortReason, joinSignals } from './abort.js';

/**
 * The reason a bounded call's signal aborts with when its time is up ({@link Deadline.run}).
 * The call's recipe turns it into its own typed timeout error before the caller sees it.
 */
export class DeadlineExpiredError extends ZkRecipesError {
  override name = 'DeadlineExpiredError';
  constructor(readonly timeoutMs: number) {
    super('DEADLINE_EXPIRED', `the call's ${timeoutMs} ms are up`);
  }
}

/** What every blocking call of a recipe takes. `timeoutMs` 0 tries once and never waits. */
export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** How long the call may wait, in ms; 0 checks once and never waits. Default: no limit. */
  timeoutMs?: number | undefined;
}

/** A wait's end: the caller's signal, and a point in time (or none). */
export class Deadline {
  private constructor(
    readonly signal: AbortSignal | undefined,
    /** The caller's timeout as given, for errors (`AcquireTimeoutError.timeoutMs`). */
    readonly timeoutMs: number | undefined,
    /** `Date.now()` at which the wait ends; Infinity without a timeout. */
    readonly at: number,
    /** Aborts at `at` when the call runs under {@link Deadline.run}: `signal` includes it. */
    private readonly expiry?: AbortSignal,
  ) {}

  /**
   * Runs a blocking call under the deadline of `options`. The Deadline `call` gets has a
   * `signal` that aborts at the caller's abort and also when the time is up (with a
   * {@link DeadlineExpiredError}): every request the call makes with it ends then, whatever
   * ZooKeeper does (one not yet written is taken back, core's calls race theirs with it), so a
   * call while ZooKeeper is unreachable ends at its timeout, not at the session's end. A
   * rejection the expiry caused becomes `timedOut(timeoutMs)`, the recipe's typed timeout
   * error; the caller's abort stays its reason. Timer and listeners are gone once the call
   * settles. `timeoutMs` 0 (one try) and no timeout leave the requests to the client's bounds:
   * a one-try call still gets its answers. A Deadline already bound is used as it is.
   */
  static async run<T>(
    options: WaitOptions | Deadline | undefined,
    timedOut: (timeoutMs: number) => Error,
    call: (deadline: Deadline) => Promise<T>,
  ): Promise<T> {
    const outer = Deadline.of(options);
    if (outer.expiry) return call(outer);
    if (outer.at === Infinity || outer.timeoutMs === 0) return call(outer);
    outer.throwIfAborted();
    const timeoutMs = outer.timeoutMs!;
    const expiry = new AbortController();
    let reason: DeadlineExpiredError | undefined; // made only if the time is up
    // A little after `at`: a wait of the call ending at `at` itself (waitFor's own timer) goes
    // first and takes its own path (DoubleBarrier's last look for `ready`); the expiry only
    // cuts the requests still out then.
    const timer = setTimeout(
      () => expiry.abort((reason = new DeadlineExpiredError(timeoutMs))),
      outer.remainingMs() + EXPIRY_AFTER_MS,
    );
    const joined = joinSignals([outer.signal, expiry.signal]);
    try {
      return await call(new Deadline(joined.signal, timeoutMs, outer.at, expiry.signal));
    } catch (e) {
      throw reason && causedBy(e, reason) ? timedOut(timeoutMs) : e;
    } finally {
      clearTimeout(timer);
      joined.dispose();
    }
  }

  /**
   * The deadline of a call given `options` (validated: `timeoutMs` a finite number >= 0, or
   * absent; `signal` an AbortSignal, or absent). A Deadline passed in is returned as it is, so layers can take either.
   */
  static of(options: WaitOptions | Deadline | undefined): Deadline {
    if (options instanceof Deadline) return options;
    const t = options?.timeoutMs;
    // A Node timer longer than MAX_TIMER_MS fires at once: refused like any bad value.
    if (t !== undefined && !(typeof t === 'number' && t >= 0 && t <= MAX_TIMER_MS)) {
      throw new InvalidArgumentError(
        'timeoutMs',
        `timeoutMs must be a number from 0 to ${MAX_TIMER_MS}`,
      );
    }
    checkSignal(options?.signal);
    return new Deadline(options?.signal, t, t === undefined ? Infinity : Date.now() + t);
  }

  /** No signal and no timeout: the wait can only end by itself. */
  static readonly NEVER = new Deadline(undefined, undefined, Infinity);

  /** Milliseconds left (>= 0); Infinity without a timeout. */
  remainingMs(): number {
    return this.at === Infinity ? Infinity : Math.max(0, this.at - Date.now());
  }

  /** Whether the time is up (never true without a timeout). */
  get expired(): boolean {
    return this.at !== Infinity && Date.now() >= this.at;
  }

  /** Throws the signal's {@link abortReason} when it has aborted. */
  throwIfAborted(): void {
    if (this.signal?.aborted) throw abortReason(this.signal);
  }

  /** The same deadline, ended also by `signal` (a recipe's close signal joined to the caller's). */
  withSignal(signal: AbortSignal | undefined): Deadline {
    return new Deadline(signal, this.timeoutMs, this.at, this.expiry);
  }

  /** `{ signal, timeoutMs }` with what is left, for a call that takes options. */
  toOptions(): WaitOptions {
    const left = this.remainingMs();
    return {
      ...(this.signal ? { signal: this.signal } : {}),
      ...(left === Infinity ? {} : { timeoutMs: left }),
    };
  }
}

/** How long after a bounded call's `at` its requests are cut (Deadline.run). */
const EXPIRY_AFTER_MS = 10;

/** Whether `e` is `reason` or was caused by it (a recipe's error wrapping the expiry). */
function causedBy(e: unknown, reason: Error): boolean {
  for (let c = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    if (c === reason) return true;
  }
  return false;
}

/**
 * Waits for an event, the deadline or the abort, whichever comes first. `subscribe` starts
 * listening and gets `settle` (call it with the event's value; later calls are ignored) and
 * `fail`; it returns what stops listening, which runs once the wait ends, however it ends.
 * Resolves with the value, or undefined at the deadline; rejects with the signal's
 * {@link abortReason} or what `fail` was given. A signal that aborted before the call (while an
 * earlier request was in flight) rejects at once: a listener added now would never fire.
 */
export function waitFor<T>(
  deadline: Deadline,
  subscribe: (settle: (value: T) => void, fail: (error: Error) => void) => (() => void) | void,
): Promise<T | undefined> {
  const { signal } = deadline;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T | undefined>((resolve, reject) => {
    let over = false;
    let stop: (() => void) | void = undefined;
    const done = (then: () => void) => {
      if (over) return;
      over = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stop?.();
      then();
    };
    const onAbort = () => done(() => reject(abortReason(signal!)));
    const ms = deadline.remainingMs();
    const timer =
      ms === Infinity ? undefined : setTimeout(() => done(() => resolve(undefined)), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    stop = subscribe(
      (v) => done(() => resolve(v)),
      (e) => done(() => reject(e)),
    );
    if (over) stop?.(); // settled inside subscribe, before `stop` was known
  });
}

/**
 * Resolves when `work` settles (its result and error ignored: handled here) or at `deadline`,
 * whichever comes first; `work` goes on by itself after that.
 */
export async function settledWithin(deadline: Deadline, work: Promise<unknown>): Promise<void> {
  await waitFor<true>(deadline, (settle) => {
    work.then(
      () => settle(true),
      () => settle(true),
    );
  });
}
