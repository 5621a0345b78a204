// AtomicLong and AtomicInteger against a real server: Curator's bytes, the operations, typed
// errors for bad input (before anything is sent) and for giving up, the promotion lock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AtomicInteger,
  AtomicLong,
  AtomicUpdateError,
  AtomicValueFormatError,
} from '@zk-recipes/atomic';
import { InvalidArgumentError, noRetry, retryNTimes } from '@zk-recipes/core';
import { FaultProxy, TestRoot } from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('AtomicLong: int64 big-endian in the node (Curator DistributedAtomicLong), absent or empty is 0, parents made', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('deep/counter');
    const n = new AtomicLong(c.client, path);
    assert.equal(await n.get(), 0n);
    const r = await n.add(100n);
    assert.deepEqual([r.preValue, r.postValue, r.promoted], [0n, 100n, false]);
    assert.equal((await c.client.getData(path)).data.toString('hex'), '0000000000000064');
    assert.equal((await n.increment()).postValue, 101n);
    assert.equal((await n.decrement()).postValue, 100n);
    assert.equal((await n.subtract(150)).postValue, -50n);
    assert.equal((await c.client.getData(path)).data.toString('hex'), 'ffffffffffffffce');
    // Java's long arithmetic wraps; so does ours.
    await n.trySet(2n ** 63n - 1n);
    assert.equal((await n.increment()).postValue, -(2n ** 63n));
    // compareAndSet: written only on a match.
    assert.equal(await n.compareAndSet(5n, 6n), false);
    assert.equal(await n.compareAndSet(-(2n ** 63n), 7n), true);
    assert.equal(await n.get(), 7n);
    // An empty node counts as 0 (Curator's bytes for an absent value).
    await c.client.setData(path, Buffer.alloc(0));
    assert.equal(await n.get(), 0n);
    assert.equal((await n.increment()).postValue, 1n);
    // initialize creates only when absent.
    const fresh = new AtomicLong(c.client, root.child('fresh'));
    assert.equal(await fresh.initialize(42n), true);
    assert.equal(await fresh.initialize(43n), false);
    assert.equal(await fresh.get(), 42n);
    // Bytes of another width are a typed error.
    await c.client.setData(path, Buffer.from([1, 2, 3]));
    await assert.rejects(
      n.increment(),
      (e) => e instanceof AtomicValueFormatError && e.code === 'ATOMIC_BAD_VALUE',
    );
  } finally {
    await root.remove();
  }
});

test('AtomicInteger: int32 big-endian (Curator DistributedAtomicInteger), wraps as Java int', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('int');
    const n = new AtomicInteger(c.client, path);
    await n.add(43);
    assert.equal((await c.client.getData(path)).data.toString('hex'), '0000002b');
    await n.trySet(2 ** 31 - 1);
    assert.equal((await n.increment()).postValue, -(2 ** 31));
    assert.equal(await n.compareAndSet(-(2 ** 31), 3), true);
    assert.equal(await n.get(), 3);
  } finally {
    await root.remove();
  }
});

test('atomic: bad input is a typed error before anything is sent', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  try {
    const n = new AtomicLong(c.client, root.child('x'));
    const i = new AtomicInteger(c.client, root.child('y'));
    const before = proxy.requestCount('getData') + proxy.requestCount('multi');
    const bad: [() => Promise<unknown>, string][] = [
      [() => n.add(1.5), 'delta'],
      [() => n.add(2n ** 63n), 'delta'],
      [() => n.add(Number.MAX_SAFE_INTEGER * 2), 'delta'],
      [() => n.trySet('1' as unknown as bigint), 'value'],
      [() => i.add(2 ** 31), 'delta'],
      [() => i.add(0.5), 'delta'],
      [() => i.compareAndSet(1, NaN), 'value'],
    ];
    for (const [call, field] of bad) {
      await assert.rejects(
        (async () => call())(),
        (e) => e instanceof InvalidArgumentError && e.field === field,
      );
    }
    assert.throws(() => new AtomicLong(c.client, 'relative'), InvalidArgumentError);
    assert.throws(
      () => new AtomicLong(c.client, '/a', { promoteToLock: { lockPath: '/l', timeoutMs: -1 } }),
      InvalidArgumentError,
    );
    assert.equal(proxy.requestCount('getData') + proxy.requestCount('multi'), before);
  } finally {
    await root.remove();
  }
});

test('atomic: losing every race rejects with AtomicUpdateError (Curator returns succeeded() == false)', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  await using other = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('busy');
    const n = new AtomicLong(c.client, path, { retryPolicy: retryNTimes(2, 0) });
    await n.initialize(0n);
    // Another writer moves the version on every read of ours: each conditional write loses.
    const stop = new AbortController();
    const mover = (async () => {
      while (!stop.signal.aborted) {
        await other.client.setData(path, Buffer.alloc(8)).catch(() => {});
      }
    })();
    let err: unknown;
    for (let i = 0; i < 50 && !err; i++) await n.increment().catch((e: unknown) => (err = e));
    stop.abort();
    await mover;
    assert.ok(err instanceof AtomicUpdateError, String(err));
    assert.equal(err.code, 'ATOMIC_UPDATE_FAILED');
    assert.equal(err.attempts, 3);
    assert.equal(err.promoted, false);
  } finally {
    await root.remove();
  }
});

test('atomic: promoted to the lock after the optimistic attempts, with Curator lock nodes at lockPath', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('promoted');
    const lockPath = root.child('promoted-lock');
    const clients = [c.client];
    for (let k = 0; k < 3; k++)
      clients.push((await startedClient({ connectString: server.connectString })).client);
    // No optimistic retries: contention sends updates through the lock.
    const counters = clients.map(
      (cl) =>
        new AtomicLong(cl, path, {
          retryPolicy: noRetry,
          promoteToLock: { lockPath, timeoutMs: 10_000, retryPolicy: retryNTimes(50, 1) },
        }),
    );
    const results = await Promise.all(
      counters.flatMap((n) => Array.from({ length: 10 }, () => n.increment())),
    );
    assert.equal(await counters[0]!.get(), 40n);
    assert.ok(
      results.some((r) => r.promoted),
      'some went through the lock',
    );
    // Post-values are distinct: no two updates saw the same value.
    assert.equal(new Set(results.map((r) => r.postValue)).size, 40);
    assert.deepEqual((await c.client.getChildren(lockPath)).children, [], 'lock released');
    await Promise.all(clients.slice(1).map((cl) => cl.close()));
  } finally {
    await root.remove();
  }
});
