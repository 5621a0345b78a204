// The kit's eventStream, the iterator behind every recipe's changes() and events(): events in
// order and none lost (a loop waiting in next() is handed its event by the push itself, events
// pushed while the loop body runs wait in the queue), queued events before the end or the
// caller's abort, and the listeners gone once it ends. No server: the stream is plain code
// between a recipe's listener and its loop.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { eventStream } from '@zk-recipes/core/recipe';

/** A source a stream subscribes to, counting its listeners. */
function source() {
  const listeners = new Set<(n: number) => void>();
  return {
    listeners,
    push: (n: number) => listeners.forEach((l) => l(n)),
    subscribe: (l: (n: number) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

test('eventStream: a waiting loop, a busy loop and concurrent next() calls get every event in order', async () => {
  const src = source();
  const ended = new AbortController();
  const it = eventStream<number>(src.subscribe, ended.signal);
  const first = it.next(); // waiting before anything is pushed
  const second = it.next(); // a second waiter: the next event, not the same one
  src.push(1);
  src.push(2);
  src.push(3); // no waiter left: queued
  assert.deepEqual(await first, { value: 1, done: false });
  assert.deepEqual(await second, { value: 2, done: false });
  const seen: number[] = [];
  for await (const n of it) {
    seen.push(n);
    if (n === 3) src.push(4); // pushed while the body runs
    if (n === 4) break;
  }
  assert.deepEqual(seen, [3, 4]);
  assert.equal(src.listeners.size, 0, 'break stops listening');
});

test('eventStream: the end delivers what is queued, then done; waiting next() calls resolve done', async () => {
  const src = source();
  const ended = new AbortController();
  const it = eventStream<number>(src.subscribe, ended.signal);
  src.push(1);
  ended.abort();
  assert.deepEqual(await it.next(), { value: 1, done: false });
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  assert.equal(src.listeners.size, 0);
  assert.equal(getEventListeners(ended.signal, 'abort').length, 0);

  const ended2 = new AbortController();
  const it2 = eventStream<number>(src.subscribe, ended2.signal);
  const waiting = [it2.next(), it2.next()];
  ended2.abort();
  assert.deepEqual(await Promise.all(waiting), [
    { value: undefined, done: true },
    { value: undefined, done: true },
  ]);
});

test("eventStream: the caller's abort rejects with its reason once, after what is queued", async () => {
  const src = source();
  const ended = new AbortController();
  const caller = new AbortController();
  const it = eventStream<number>(src.subscribe, ended.signal, caller.signal);
  src.push(1);
  caller.abort(new Error('stop'));
  assert.deepEqual(await it.next(), { value: 1, done: false });
  await assert.rejects(it.next(), /stop/);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
  assert.equal(getEventListeners(ended.signal, 'abort').length, 0);

  // A loop already waiting: the first waiter gets the reason, a second one done.
  const caller2 = new AbortController();
  const it2 = eventStream<number>(src.subscribe, ended.signal, caller2.signal);
  const [a, b] = [it2.next(), it2.next()];
  caller2.abort(new Error('stop 2'));
  await assert.rejects(a, /stop 2/);
  assert.deepEqual(await b, { value: undefined, done: true });
  assert.equal(src.listeners.size, 0);

  // Already aborted: nothing is subscribed, the first next() rejects.
  const it3 = eventStream<number>(src.subscribe, ended.signal, AbortSignal.abort(new Error('pre')));
  await assert.rejects(it3.next(), /pre/);
  assert.equal(src.listeners.size, 0);
});
