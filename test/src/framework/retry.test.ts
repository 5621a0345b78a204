import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConnectionLossError,
  exponentialBackoff,
  InvalidArgumentError,
  NoNodeError,
  noRetry,
  RetriesExhaustedError,
  retryForever,
  retryNTimes,
  retryOnce,
  retryUntilElapsed,
  withRetry,
  type RetryPolicy,
} from '@zk-recipes/core';
import { timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

/** An attempt that fails with connection loss `failures` times, then succeeds. */
function flaky(failures: number) {
  let calls = 0;
  const fn = async () => {
    calls++;
    if (calls <= failures) throw new ConnectionLossError();
    return 'ok';
  };
  return { fn, calls: () => calls };
}

const run = (policy: RetryPolicy, failures: number) => {
  const f = flaky(failures);
  return { result: withRetry(f.fn, { policy, operation: 'test' }), calls: f.calls };
};

test('each retry policy succeeds within its allowance and gives up past it, last error as cause', async () => {
  const cases: [string, RetryPolicy, number][] = [
    ['retryNTimes(3)', retryNTimes(3, 1), 3],
    ['retryOnce', retryOnce(1), 1],
    [
      'exponentialBackoff(4)',
      exponentialBackoff({ baseSleepMs: 1, maxSleepMs: 4, maxRetries: 4 }),
      4,
    ],
  ];
  for (const [name, policy, allowed] of cases) {
    const ok = run(policy, allowed);
    assert.equal(await ok.result, 'ok', name);
    assert.equal(ok.calls(), allowed + 1, name);
    const ko = run(policy, allowed + 1);
    await assert.rejects(ko.result, (e: unknown) => {
      assert.ok(e instanceof RetriesExhaustedError, name);
      assert.equal(e.attempts, allowed + 1);
      assert.ok(e.cause instanceof ConnectionLossError);
      return true;
    });
  }
  const forever = run(retryForever(1), 20);
  assert.equal(await forever.result, 'ok');
  // noRetry rethrows the error itself.
  await assert.rejects(run(noRetry, 1).result, ConnectionLossError);
  // untilElapsed: retries while the elapsed time allows.
  const until = run(retryUntilElapsed(10_000, 1), 5);
  assert.equal(await until.result, 'ok');
  await assert.rejects(run(retryUntilElapsed(30, 20), 10).result, RetriesExhaustedError);
});

test('only retryable errors are retried; sleeps end on abort', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new NoNodeError();
      },
      { policy: retryNTimes(5, 1), operation: 'test' },
    ),
    NoNodeError,
  );
  assert.equal(calls, 1);
  const ac = new AbortController();
  const pending = withRetry(
    async () => {
      throw new ConnectionLossError();
    },
    { policy: retryForever(60_000), operation: 'test', signal: ac.signal },
  );
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(pending, { name: 'AbortError' });
});

test('exponential backoff sleeps grow and stay under maxSleepMs', async () => {
  const sleeps: number[] = [];
  const { channels } = await import('@zk-recipes/core');
  const listener = (m: unknown) => sleeps.push((m as { sleepMs: number }).sleepMs);
  channels.retry.subscribe(listener);
  try {
    await run(exponentialBackoff({ baseSleepMs: 4, maxSleepMs: 20, maxRetries: 6 }), 6).result;
  } finally {
    channels.retry.unsubscribe(listener);
  }
  assert.equal(sleeps.length, 6);
  assert.ok(sleeps.every((s) => s <= 20));
  assert.ok(sleeps[0]! <= 4 && sleeps[5]! >= 10, `sleeps ${sleeps.join(',')}`);
});

test('policies are validated when built', () => {
  assert.throws(() => retryNTimes(-1), InvalidArgumentError);
  assert.throws(() => exponentialBackoff({ baseSleepMs: -5 }), InvalidArgumentError);
  assert.throws(() => exponentialBackoff({ maxRetries: 1.5 }), InvalidArgumentError);
  assert.throws(() => retryUntilElapsed(Number.NaN), InvalidArgumentError);
  assert.ok(Object.isFrozen(retryNTimes(2)));
});

const server = sharedServer({ tickTimeMs: 200 });

test('against a real server: reads retry through a partition and succeed once it heals', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 10_000, retryPolicy: retryUntilElapsed(20_000, 100) },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  await client.create(root.child('n'), 'v');
  proxy.partition();
  const read = client.getData(root.child('n'), { requestTimeoutMs: 300 });
  await timing.sleep(1000);
  proxy.heal();
  assert.equal((await read).data.toString(), 'v');
});
