/** The two ways to consume continuously: an async iterator, and a handler run N at a time. */
import { InvalidArgumentError } from '@zk-recipes/core';
import { Deadline, joinSignals, sleep } from '@zk-recipes/core/recipe';
import type { Channel } from './consumer.js';
import type { Message } from './message.js';

const ERROR_PAUSE_MS = 200;

/** What `consume` runs per item; `signal` aborts when the consumer stops or the queue closes. */
export type Handler<T> = (value: T, message: Message<T>, signal: AbortSignal) => unknown;

/** Options of `consume`. */
export interface ConsumeOptions {
  /** Handlers running at once (default 1: items in queue order). */
  concurrency?: number;
  /** Stops consuming: no new item is taken; running handlers finish. */
  signal?: AbortSignal;
}

export function messageIterator<T>(
  channel: Channel<T>,
  closeSignal: AbortSignal,
  signal: AbortSignal | undefined,
  report: (e: unknown) => void,
): AsyncIterableIterator<Message<T>> {
  const stop = joinSignals([signal, closeSignal]);
  const deadline = Deadline.of({ signal: stop.signal });
  let last: Message<T> | undefined;
  let done = false;
  const end = async (): Promise<IteratorResult<Message<T>>> => {
    done = true;
    stop.dispose();
    const unsettled = last && !last.settled ? last : undefined;
    last = undefined;
    // Given back in place (not a failure): the loop left it, it was not processed.
    if (unsettled) await channel.releaseOf(unsettled).catch(report);
    return { done: true, value: undefined };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (done) return { done: true, value: undefined };
      // The ack goes out ahead of the next claim, in the same round trip (pipelined).
      const acking = last && !last.settled ? last.ack().catch(report) : undefined;
      try {
        last = await channel.next(deadline);
      } catch (e) {
        await acking;
        if (stop.signal?.aborted) return end();
        throw e;
      }
      await acking;
      return last ? { done: false, value: last } : end();
    },
    return: end,
  };
}

export async function consumeLoop<T>(
  channel: Channel<T>,
  handler: Handler<T>,
  options: ConsumeOptions,
  closeSignal: AbortSignal,
  report: (e: unknown) => void,
): Promise<void> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError('concurrency', 'concurrency must be an integer >= 1');
  }
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError('handler', 'handler must be a function');
  }
  const stop = joinSignals([options.signal, closeSignal]);
  const signal = stop.signal ?? closeSignal;
  const deadline = Deadline.of({ signal });
  const worker = async () => {
    // The last item's ack, written before the next claim and its read (one round trip for
    // both, ZooKeeper answering a session's requests in order); awaited once the next claim
    // is answered, which costs no extra wait: a handler never starts before the previous
    // item's ack settled, and the loop never ends with one in flight.
    let acking: Promise<void> | undefined;
    try {
      while (!signal.aborted) {
        let m: Message<T> | undefined;
        try {
          m = await channel.next(deadline);
        } catch (e) {
          await acking;
          acking = undefined;
          if (signal.aborted) return;
          report(e); // a listing failed (the connection is down): try again shortly
          await sleep(ERROR_PAUSE_MS, signal).catch(() => undefined);
          continue;
        }
        await acking;
        acking = undefined;
        if (!m) return;
        try {
          await handler(m.value, m, signal);
          if (!m.settled) acking = m.ack().catch(report);
        } catch (e) {
          if (m.settled) report(e);
          // Stopped by the consumer's signal or the close: given back in place, not a failure.
          else if (signal.aborted) await channel.releaseOf(m).catch(report);
          else await m.requeue(e).catch(report);
        }
      }
    } finally {
      await acking;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    stop.dispose();
  }
}
