// What a user coming from Curator, kazoo or etcd3 looks for on every lock kind: the scoped
// form (hold while a callback runs), isAcquiredInThisProcess, and a semaphore's quantity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcquireTimeoutError, InvalidArgumentError } from '@zk-recipes/core';
import { MultiLock, Mutex, ReadWriteLock, Semaphore, SemaphoreMutex } from '@zk-recipes/lock';
import { assertNoLeftoverNodes, childrenOf } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('withLock on every kind releases after the callback, even when it throws; a bad fn acquires nothing', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const sem = new Semaphore(a.client, root.child('sem'), { maxLeases: 1 });
  const rw = new ReadWriteLock(a.client, root.child('rw'));
  const multi = new MultiLock(a.client, [root.child('m2'), root.child('m1')]);
  const boom = new Error('boom');
  const scoped = [
    (fn: () => unknown) => sem.withLease(fn),
    (fn: () => unknown) => rw.readLock().withLock(fn),
    (fn: () => unknown) => rw.writeLock().withLock(fn),
    (fn: () => unknown) => multi.withLock(fn),
  ];
  for (const run of scoped) {
    assert.equal(await run(() => 7), 7);
    await assert.rejects(
      run(() => Promise.reject(boom)),
      (e) => e === boom,
    );
    await assert.rejects(run(undefined as never), InvalidArgumentError);
  }
  // Everything was released: another client takes each at once.
  assert.ok(await new Semaphore(b.client, root.child('sem'), { maxLeases: 1 }).tryAcquire());
  assert.ok(await new ReadWriteLock(b.client, root.child('rw')).writeLock().tryAcquire());
  await new MultiLock(b.client, [root.child('m1'), root.child('m2')]).withLock(() => undefined, {
    timeoutMs: 0,
  });
});

test('isAcquiredInThisProcess follows the leases of this client', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const mutex = new Mutex(a.client, root.child('lock'));
  assert.equal(mutex.isAcquiredInThisProcess(), false);
  const lease = await mutex.acquire();
  assert.equal(mutex.isAcquiredInThisProcess(), true);
  assert.equal(new Mutex(a.client, root.child('lock')).isAcquiredInThisProcess(), true);
  await lease.release();
  assert.equal(mutex.isAcquiredInThisProcess(), false);

  const sm = new SemaphoreMutex(a.client, root.child('sm'));
  const held = await sm.acquire();
  assert.equal(sm.isAcquiredInThisProcess(), true);
  await held.release();
  await held.release();
  assert.equal(sm.isAcquiredInThisProcess(), false);
});

test('a semaphore acquire with a quantity holds that many leases, released together', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const path = root.child('sem');
  const sem = (c: typeof a) => new Semaphore(c.client, path, { maxLeases: 3 });
  await assert.rejects(sem(a).acquire({ quantity: 4 }), InvalidArgumentError);
  await assert.rejects(sem(a).acquire({ quantity: 0 }), InvalidArgumentError);
  const two = await sem(a).acquire({ quantity: 2 });
  assert.equal((await childrenOf(server, `${path}/leases`)).length, 2);
  // One lease is left: a quantity of 2 waits, and gives up leaving nothing.
  await assert.rejects(sem(b).acquire({ quantity: 2, timeoutMs: 200 }), AcquireTimeoutError);
  assert.equal((await childrenOf(server, `${path}/leases`)).length, 2);
  const one = await sem(b).acquire({ timeoutMs: 2_000 });
  await two.release();
  assert.equal((await childrenOf(server, `${path}/leases`)).length, 1);
  const again = await sem(b).acquire({ quantity: 2, timeoutMs: 2_000 });
  await Promise.all([one.release(), again.release()]);
  await assertNoLeftoverNodes(server, `${path}/leases`);
});
