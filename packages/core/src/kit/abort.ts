/**
 * The abort plumbing every recipe shares: the reason a signal aborted with, a cancellable
 * sleep, and one signal joined from several.
 */

/**
 * The error a wait rejects with when `signal` aborts: its reason when that is an Error (a
 * recipe's close, the caller's own reason, a TimeoutError), else an `AbortError` DOMException,
 * as `fetch` rejects.
 */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  // One per signal: code that tells "left because of the abort" by comparing the rejection with
  // abortReason(signal) must see the same object (a fresh one per call made a protected create
  // aborted with `abort('stop')` look settled, and its node was never cleaned up).
  let e = substitutes.get(signal);
  if (!e) substitutes.set(signal, (e = new DOMException('aborted', 'AbortError')));
  return e;
}

const substitutes = new WeakMap<AbortSignal, Error>();

/** Resolves after `ms`, or rejects with {@link abortReason} when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `fn` once when `signal` aborts, as a listener added to it would (not at all if it has
 * already: check `aborted` first); the function returned takes it off.
 * One listener on the signal serves all of them: a request made with a recipe's close signal
 * adds and removes two listeners, and on an AbortSignal (an EventTarget) those are far dearer
 * than a Set's. Listeners added this way run in the order they were added, where the signal's
 * first one of them would run.
 */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) return () => undefined;
  let hub = hubs.get(signal);
  if (!hub) {
    const set = new Set<() => void>();
    hubs.set(signal, (hub = set));
    signal.addEventListener(
      'abort',
      () => {
        hubs.delete(signal);
        for (const f of [...set]) {
          try {
            f();
          } catch (e) {
            queueMicrotask(() => {
              throw e; // as a listener's throw: reported, the others still run
            });
          }
        }
        set.clear();
      },
      { once: true },
    );
  }
  const listeners = hub;
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
  };
}

const hubs = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * `work`, or its rejection with {@link abortReason} as soon as `signal` aborts, whichever comes
 * first. What `work` does after that is not waited for: its result goes to `abandoned` (to give
 * back what it took), its late rejection is swallowed (it would otherwise be unhandled). For a
 * request already written, abort only stops the waiting: the server may still apply it.
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  abandoned?: (result: T) => void,
): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    let left = false;
    const onAbort = () => {
      left = true;
      reject(abortReason(signal));
    };
    if (signal.aborted) onAbort();
    const off = whenAborted(signal, onAbort);
    work.finally(off).then(
      (r) => (left ? abandoned?.(r) : resolve(r)),
      reject, // ignored once the caller left
    );
  });
}

/**
 * One signal that aborts with the first of `signals` (with its reason), whose listeners
 * dispose() removes. Use it instead of AbortSignal.any() where a source lives long (a caller's
 * signal passed to every acquire, a recipe's close signal): on Node 20, AbortSignal.any()
 * keeps an entry on each source for every signal composed from it, until the source is
 * collected. `undefined` entries are skipped.
 *
 * @example
 * const wait = joinSignals([options.signal, this.closeSignal]);
 * try { await waitFor(Deadline.of({ signal: wait.signal }), subscribe); } finally { wait.dispose(); }
 */
export function joinSignals(signals: readonly (AbortSignal | undefined)[]): {
  signal?: AbortSignal;
  /** Removes the listeners on the joined signals; call it when the operation ends. */
  dispose: () => void;
} {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return { signal: present[0], dispose: () => undefined };
  const joined = new AbortController();
  const onAbort = (e: Event) => joined.abort((e.target as AbortSignal).reason);
  const dispose = () => present.forEach((s) => s.removeEventListener('abort', onAbort));
  for (const s of present) {
    if (s.aborted) {
      joined.abort(s.reason);
      break;
    }
    s.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: joined.signal, dispose };
}
