/**
 * A recipe's events as an async iterator (`for await (const e of cache.events())`): the
 * listener pushes, the loop pulls, and nothing is lost in between (events wait in a queue
 * while the loop body runs). It ends when `ended` aborts (the recipe closed) and rejects with
 * the caller's signal's reason when that aborts, as `events.on` does; the listener and the
 * abort listeners go as soon as it ends, or when the loop breaks.
 */
import { abortReason } from './abort.js';

/**
 * Iterates what `subscribe`'s `push` is given. `subscribe` returns what stops listening.
 *
 * @example
 * events(options: { signal?: AbortSignal } = {}) {
 *   return eventStream<CacheEvent>((push) => this.on('event', push), this.closeSignal, options.signal);
 * }
 */
export function eventStream<E>(
  subscribe: (push: (event: E) => void) => () => void,
  ended: AbortSignal,
  signal?: AbortSignal,
): AsyncIterableIterator<E> {
  const queue: E[] = [];
  // A loop waiting in next() is handed its event by the push itself: one promise settled, not
  // a wake-up, a second look at the queue and a return through an async function (a change
  // reaches its loop that many microtasks sooner, bench/RESULTS.md, issue 18).
  const waiting: { resolve: (r: IteratorResult<E>) => void; reject: (e: Error) => void }[] = [];
  let done = ended.aborted;
  let failure: Error | undefined = signal?.aborted ? abortReason(signal) : undefined;
  const stopListening =
    done || failure
      ? () => undefined
      : subscribe((e) => {
          const w = waiting.shift();
          if (w) w.resolve({ value: e, done: false });
          else queue.push(e);
        });
  const onEnd = () => finish();
  const onAbort = () => finish(abortReason(signal!));
  function finish(error?: Error) {
    if (done) return;
    done = true;
    failure ??= error;
    stopListening();
    ended.removeEventListener('abort', onEnd);
    signal?.removeEventListener('abort', onAbort);
    for (let w = waiting.shift(); w; w = waiting.shift()) {
      if (failure) {
        w.reject(failure);
        failure = undefined;
      } else w.resolve({ value: undefined, done: true });
    }
  }
  if (!done && !failure) {
    ended.addEventListener('abort', onEnd, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
  }
  const it: AsyncIterableIterator<E> = {
    next(): Promise<IteratorResult<E>> {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (failure) {
        const f = failure;
        failure = undefined;
        finish();
        return Promise.reject(f);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async return(): Promise<IteratorResult<E>> {
      finish();
      queue.length = 0;
      failure = undefined; // the loop has left: nothing is owed to it
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
