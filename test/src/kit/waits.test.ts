// The recipe kit's waits, deadlines and serializers (@zk-recipes/core/recipe): what every
// recipe's blocking call relies on. No server: these do no I/O.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import {
  InvalidArgumentError,
  jsonSerializer,
  SerializationError,
  stringSerializer,
  zodSerializer,
} from '@zk-recipes/core';
import {
  abortReason,
  childPath,
  Deadline,
  joinSignals,
  protectedName,
  isProtectedName,
  sleep,
  waitFor,
} from '@zk-recipes/core/recipe';

test('a deadline validates timeoutMs and signal, and counts down; 0 is already expired', () => {
  assert.throws(() => Deadline.of({ timeoutMs: -1 }), InvalidArgumentError);
  assert.throws(() => Deadline.of({ timeoutMs: Number.NaN }), InvalidArgumentError);
  assert.throws(() => Deadline.of({ timeoutMs: 2 ** 31 }), InvalidArgumentError); // would fire at once
  assert.throws(() => Deadline.of({ timeoutMs: '5' as unknown as number }), InvalidArgumentError);
  // A signal from JavaScript that is none: a typed error, not a TypeError from inside a wait.
  assert.throws(
    () => Deadline.of({ signal: 'x' as unknown as AbortSignal }),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'signal',
  );
  assert.throws(() => Deadline.of({ signal: {} as AbortSignal }), InvalidArgumentError);
  assert.equal(Deadline.of({}).remainingMs(), Infinity);
  assert.equal(Deadline.of({}).expired, false);
  assert.equal(Deadline.of({ timeoutMs: 0 }).expired, true);
  const d = Deadline.of({ timeoutMs: 10_000 });
  assert.ok(d.remainingMs() > 9_000 && d.remainingMs() <= 10_000);
  assert.equal(Deadline.of(d), d, 'a deadline passed down is the same deadline');
  assert.deepEqual(Object.keys(Deadline.of({}).toOptions()), []);
});

test('waitFor resolves with the event, undefined at the deadline, and rejects on abort', async () => {
  let stopped = 0;
  const value = await waitFor<number>(Deadline.of({ timeoutMs: 5_000 }), (settle) => {
    setTimeout(() => settle(7), 10);
    return () => stopped++;
  });
  assert.equal(value, 7);
  assert.equal(stopped, 1, 'the subscription is stopped once the wait ends');

  const began = Date.now();
  const timedOut = await waitFor<number>(Deadline.of({ timeoutMs: 50 }), () => () => stopped++);
  assert.equal(timedOut, undefined);
  assert.ok(Date.now() - began >= 45);
  assert.equal(stopped, 2);

  const ac = new AbortController();
  const waiting = waitFor<number>(Deadline.of({ signal: ac.signal }), () => () => stopped++);
  const reason = new Error('stop');
  ac.abort(reason);
  await assert.rejects(waiting, (e) => e === reason);
  assert.equal(stopped, 3);

  // Aborted while an earlier request was in flight: rejects at once, subscribes to nothing.
  let subscribed = false;
  await assert.rejects(
    waitFor(Deadline.of({ signal: AbortSignal.abort() }), () => void (subscribed = true)),
    { name: 'AbortError' },
  );
  assert.equal(subscribed, false);

  // Settled inside subscribe: still stopped.
  let stoppedSync = false;
  assert.equal(
    await waitFor(Deadline.NEVER, (settle) => (settle('now'), () => (stoppedSync = true))),
    'now',
  );
  assert.equal(stoppedSync, true);
});

test('sleep, abortReason and joinSignals', async () => {
  await sleep(1);
  const ac = new AbortController();
  const s = sleep(60_000, ac.signal);
  ac.abort();
  await assert.rejects(s, { name: 'AbortError' });
  assert.equal(abortReason(AbortSignal.abort('not an error')).name, 'AbortError');
  const own = new Error('own');
  assert.equal(abortReason(AbortSignal.abort(own)), own);

  const a = new AbortController();
  const b = new AbortController();
  const joined = joinSignals([a.signal, undefined, b.signal]);
  b.abort(own);
  assert.equal(joined.signal?.reason, own);
  joined.dispose();
  assert.equal(joinSignals([undefined]).signal, undefined);
});

test('child paths and protected names', () => {
  assert.equal(childPath('/', 'a'), '/a');
  assert.equal(childPath('/a/b', 'c'), '/a/b/c');
  const name = protectedName('0f8fad5b-d9cb-469f-a165-70867728950e', 'lock-');
  assert.equal(name, '_c_0f8fad5b-d9cb-469f-a165-70867728950e-lock-');
  assert.ok(isProtectedName(`${name}0000000001`));
  assert.ok(!isProtectedName('lock-0000000001'));
});

test('serializers: strings refuse bad UTF-8, JSON refuses what is not JSON, zod checks both ways', () => {
  assert.equal(stringSerializer.deserialize(stringSerializer.serialize('héllo')), 'héllo');
  assert.throws(() => stringSerializer.deserialize(Buffer.from([0xff, 0xfe])), SerializationError);

  const json = jsonSerializer<{ a: number }>();
  assert.deepEqual(json.deserialize(json.serialize({ a: 1 })), { a: 1 });
  assert.throws(
    () => json.deserialize(Buffer.from('{nope')),
    (e) => {
      assert.ok(e instanceof SerializationError);
      assert.equal(e.code, 'SERIALIZATION');
      assert.equal(e.direction, 'deserialize');
      return true;
    },
  );
  assert.throws(() => json.serialize(undefined as never), SerializationError);

  const config = zodSerializer(z.object({ rate: z.number().positive() }));
  assert.deepEqual(config.deserialize(Buffer.from('{"rate":2}')), { rate: 2 });
  assert.throws(
    () => config.deserialize(Buffer.from('{"rate":-1}')),
    (e) => {
      assert.ok(e instanceof SerializationError);
      assert.ok(e.cause instanceof z.ZodError);
      return true;
    },
  );
  assert.throws(() => config.serialize({ rate: 0 }), { direction: 'serialize' });
  assert.throws(() => zodSerializer({} as never), InvalidArgumentError);
});
