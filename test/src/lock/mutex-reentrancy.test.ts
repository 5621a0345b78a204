import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { test } from 'node:test';
import { AcquireTimeoutError, InvalidArgumentError } from '@zk-recipes/core';
import { Mutex, NestedAcquireError, withLock, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  timing,
} from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';
import { requests } from '../support/handoff-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('a nested acquire in the same async chain re-enters at once; the inner release keeps the node, the outer frees it', async () => {
  await using fx = await proxiedClients(server);
  const { root, proxy } = fx;
  const [local] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path, { reentrant: true });
  await mutex.withLock(async (outer) => {
    const before = requests(proxy);
    const inner = await mutex.acquire({ timeoutMs: timing.ms(1000) });
    const tried = await mutex.tryAcquire();
    // Another Mutex object on the same client and path, and the withLock function, re-enter too.
    const viaOther = await new Mutex(local.client, path, { reentrant: true }).withLock(
      (l) => l.nodePath,
    );
    const viaFn = await withLock(local.client, path, (l) => l.fencingToken, { reentrant: true });
    // Deeper in the chain: a timer started inside the callback.
    const fromTimer = await new Promise<Lease>((resolve, reject) => {
      setTimeout(
        () => void mutex.acquire({ timeoutMs: timing.ms(1000) }).then(resolve, reject),
        10,
      );
    });
    assert.equal(requests(proxy) - before, 0, 'no request for nested acquires');
    for (const l of [inner, tried!, fromTimer]) {
      assert.equal(l.nodePath, outer.nodePath);
      assert.equal(l.fencingToken, outer.fencingToken, 'the same grant, the same token');
    }
    assert.equal(viaOther, outer.nodePath);
    assert.equal(viaFn, outer.fencingToken);
    await inner.release();
    await tried!.release();
    await fromTimer.release();
    assert.equal(inner.signal.aborted, true);
    assert.equal(outer.signal.aborted, false, 'the outer lease still holds');
    assert.equal((await childrenOf(server, path)).length, 1, 'the node is still there');
    // A nested acquire through a Mutex without the option would wait for this lease for ever:
    // it is refused (issue 14; it used to wait, and time out).
    await assert.rejects(
      new Mutex(local.client, path).acquire({ timeoutMs: 200 }),
      NestedAcquireError,
    );
  });
  assert.deepEqual(await childrenOf(server, path), [], 'the outer release freed the node');
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('off by default: a nested acquire inside withLock is refused with NestedAcquireError, cleanly', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [local] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path);
  await mutex.withLock(async (outer) => {
    await assert.rejects(mutex.acquire({ timeoutMs: 300 }), NestedAcquireError);
    assert.equal(await mutex.tryAcquire(), undefined);
    assert.equal(outer.signal.aborted, false);
    assert.equal((await childrenOf(server, path)).length, 1, 'only the outer node');
  });
  const again = await mutex.acquire({ timeoutMs: timing.ms(1000) }); // the local line moved on
  await again.release();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('concurrent async chains are not re-entrant, even when started by the same caller', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [local, other] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path, { reentrant: true });
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 5 }, () =>
      mutex.withLock(async () => {
        most = Math.max(most, ++inside);
        const inner = await mutex.acquire({ timeoutMs: timing.ms(1000) });
        await tick();
        await inner.release();
        inside--;
      }),
    ),
  );
  assert.equal(most, 1, 'one chain at a time');

  // The caller that started a chain is not inside it.
  let release!: () => void;
  const holding = mutex.withLock(() => new Promise<void>((r) => (release = r)));
  await timing.waitFor(() => release !== undefined);
  assert.equal(await mutex.tryAcquire(), undefined, 'the caller is not in the chain');
  await assert.rejects(mutex.acquire({ timeoutMs: 200 }), AcquireTimeoutError);
  // Nor is another client of the same path.
  await assert.rejects(
    new Mutex(other.client, path, { reentrant: true }).acquire({ timeoutMs: 200 }),
    AcquireTimeoutError,
  );
  release();
  await holding;

  // A callback that outlives the chain's lease does not re-enter a released lease.
  let outerNode = '';
  let later!: Promise<Lease>;
  await mutex.withLock((outer) => {
    outerNode = outer.nodePath;
    later = new Promise((resolve, reject) => {
      setTimeout(() => void mutex.acquire().then(resolve, reject), 100);
    });
  });
  const l = await later;
  assert.equal(l.signal.aborted, false, 'a live lease of its own');
  assert.notEqual(l.nodePath, outerNode);
  assert.deepEqual(await childrenOf(server, path), [l.nodePath.slice(path.length + 1)]);
  await l.release();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('the outer release frees the node even while a nested lease is open; its signal aborts', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [local] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path, { reentrant: true });
  let inner: Lease | undefined;
  await mutex.withLock(async () => {
    inner = await mutex.acquire({ timeoutMs: timing.ms(1000) });
  });
  assert.equal(inner!.signal.aborted, true);
  assert.deepEqual(await childrenOf(server, path), []);
  await inner!.release(); // nothing left to do, nothing thrown
  await assertNoLeftoverNodes(server, path);
});

test('reentrant is validated', async () => {
  await using local = await startedClient({ connectString: server.connectString });
  for (const bad of ['yes', 1, null]) {
    assert.throws(
      () => new Mutex(local.client, '/locks/x', { reentrant: bad as unknown as boolean }),
      (e: unknown) => e instanceof InvalidArgumentError && e.field === 'reentrant',
    );
  }
  await assert.rejects(
    withLock(local.client, '/locks/x', () => undefined, { reentrant: 'no' as unknown as boolean }),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'reentrant',
  );
});
