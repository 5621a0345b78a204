/**
 * The one deadline of a blocking call: made once from the caller's `{ signal, timeoutMs }`,
 * then handed down (local line, contender, waits) instead of converting the timeout again at
 * every layer.
 */
import { InvalidArgumentError } from '../errors.js';
import { MAX_TIMER_MS } from '../options.js';
import { abortReason } from './abort.js';

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
  ) {}

  /**
   * The deadline of a call given `options` (validated: `timeoutMs` a finite number >= 0, or
   * absent). A Deadline passed in is returned as it is, so layers can take either.
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
    return new Deadline(signal, this.timeoutMs, this.at);
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
