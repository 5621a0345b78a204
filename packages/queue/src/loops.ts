/** The two ways to consume continuously: an async iterator, and a handler run N at a time. */
import { InvalidArgumentError } from '@zk-recipes/core';
import { Deadline, joinSignals, sleep, whileConnected } from '@zk-recipes/core/recipe';
import type { Channel } from './consumer.js';
import type { Message } from './message.js';
import { CLOSE_GRACE_MS, settleUnlessStopped } from './stopping.js';

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
    // Given back in place (not a failure): the loop left it, it was not processed. Waited
    // for while connected only (stopping.ts): a stop with ZooKeeper gone is quick.
    if (unsettled) {
      const giveBack = channel.releaseOf(unsettled).catch(report);
      await whileConnected(channel.client, giveBack, CLOSE_GRACE_MS);
    }
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
        await settleUnlessStopped(channel.client, acking, stop.signal);
        if (stop.signal?.aborted) return end();
        throw e;
      }
      await settleUnlessStopped(channel.client, acking, stop.signal);
      return last ? { done: false, value: last } : end();
    },
    return: end,
  };
}

/** What the queue learns of a consume loop: each item's handling, for close() to wait for. */
export type Track = (handling: Promise<unknown>) => void;

export async function consumeLoop<T>(
  channel: Channel<T>,
  handler: Handler<T>,
  options: ConsumeOptions,
  closeSignal: AbortSignal,
  report: (e: unknown) => void,
  track: Track,
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
  // ZooKeeper work the loop waits for (acks, requeues, give-backs): fully while it runs, and
  // while connected only once it stops (stopping.ts). consume() used to settle ~25 s after its
  // abort with the server down, waiting for a listing's retries, then an ack's.
  const settle = (work: Promise<unknown> | undefined) =>
    settleUnlessStopped(channel.client, work, signal);
  /**
   * Runs the handler on `m` and starts its item's settling (ack, requeue, or give-back when
   * stopped): resolves once the handler returned and the settling is sent, with it. close()
   * waits for this, not for ZooKeeper's answer.
   */
  const handle = async (m: Message<T>): Promise<{ ack?: Promise<void>; other?: Promise<void> }> => {
    try {
      await handler(m.value, m, signal);
      return m.settled ? {} : { ack: m.ack().catch(report) };
    } catch (e) {
      if (m.settled) report(e);
      // Stopped by the consumer's signal or the close: given back in place, not a failure.
      else if (signal.aborted) return { other: channel.releaseOf(m).catch(report) };
      else return { other: m.requeue(e).catch(report) };
      return {};
    }
  };
  const worker = async () => {
    // The last item's ack, written before the next claim and its read (one round trip for
    // both, ZooKeeper answering a session's requests in order); awaited once the next claim
    // is answered, which costs no extra wait: a handler never starts before the previous
    // item's ack settled.
    let acking: Promise<void> | undefined;
    try {
      while (!signal.aborted) {
        let m: Message<T> | undefined;
        try {
          m = await channel.next(deadline);
        } catch (e) {
          await settle(acking);
          acking = undefined;
          if (signal.aborted) return;
          report(e); // a listing failed (the connection is down): try again shortly
          await sleep(ERROR_PAUSE_MS, signal).catch(() => undefined);
          continue;
        }
        await settle(acking);
        acking = undefined;
        if (!m) return;
        if (signal.aborted) {
          // Stopped while the previous ack was answered: not handled, given back.
          await settle(channel.releaseOf(m).catch(report));
          return;
        }
        const handling = handle(m);
        track(handling);
        const { ack, other } = await handling;
        acking = ack;
        await settle(other);
      }
    } finally {
      await settle(acking);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    stop.dispose();
  }
}
