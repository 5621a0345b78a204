// A nested acquire of a non-re-entrant Mutex inside its own withLock callback would wait for
// the lease its own chain holds, for ever: it is refused at once, naming the option that makes
// it re-enter. Chains started elsewhere still queue as before.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Mutex, NestedAcquireError, withLock } from '@zk-recipes/lock';
import { assertNoLeftoverNodes, timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

const nested = (e: unknown) => {
  assert.ok(e instanceof NestedAcquireError, String(e));
  assert.equal(e.code, 'NESTED_ACQUIRE');
  assert.match(e.message, /reentrant: true/);
  return true;
};

test("a nested acquire inside a non-re-entrant Mutex's withLock rejects with NestedAcquireError instead of hanging", async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [{ client }] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(client, path);
  // A bound, so that without the check the test fails (AcquireTimeoutError) rather than hang.
  const wait = { timeoutMs: timing.ms(3000) };
  let ran = false;
  await mutex.withLock(async (lease) => {
    await assert.rejects(mutex.acquire(wait), nested);
    await sleep(5); // further down the same chain
    await assert.rejects(
      mutex.withLock(() => 'never', wait),
      nested,
    );
    await assert.rejects(
      new Mutex(client, path).acquire(wait),
      nested,
      'another object, same line',
    );
    await assert.rejects(
      withLock(client, path, () => 'never', wait),
      nested,
    );
    // A task the callback starts runs in its context too: it would wait for this lease.
    await assert.rejects(
      new Promise((resolve, reject) => {
        setTimeout(() => void mutex.acquire(wait).then(resolve, reject), 5);
      }),
      nested,
    );
    assert.equal(await mutex.tryAcquire(), undefined, 'tryAcquire never waits');
    lease.assertHeld();
    assert.equal(lease.signal.aborted, false, 'the outer lease is untouched');
    ran = true;
  });
  assert.ok(ran);
  // Outside the callback it is an ordinary lock again.
  const lease = await mutex.acquire(wait);
  await lease.release();
  // Chains started outside each other's callbacks queue, none is refused.
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 4 }, () =>
      mutex.withLock(async () => {
        most = Math.max(most, ++inside);
        await sleep(5);
        inside--;
      }, wait),
    ),
  );
  assert.equal(most, 1);
  await assertNoLeftoverNodes(server, path);
});
