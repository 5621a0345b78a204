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
  let wake: (() => void) | undefined;
  let done = ended.aborted;
  let failure: Error | undefined = signal?.aborted ? abortReason(signal) : undefined;
  const stopListening =
    done || failure
      ? () => undefined
      : subscribe((e) => {
          queue.push(e);
          wake?.();
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
    wake?.();
  }
  if (!done && !failure) {
    ended.addEventListener('abort', onEnd, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
  }
  const it: AsyncIterableIterator<E> = {
    async next(): Promise<IteratorResult<E>> {
      for (;;) {
        if (queue.length > 0) return { value: queue.shift()!, done: false };
        if (failure) {
          const f = failure;
          failure = undefined;
          finish();
          throw f;
        }
        if (done) return { value: undefined, done: true };
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
    async return(): Promise<IteratorResult<E>> {
      finish();
      queue.length = 0;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
