import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcquireTimeoutError } from '@zk-recipes/core';
import { MultiLock, Mutex, ReadWriteLock, requestRevoke } from '@zk-recipes/lock';
import { assertNoLeftoverNodes, assertNoLeftoverWatches, timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('two MultiLocks over the same paths in opposite orders do not deadlock', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const x = root.child('x');
  const y = root.child('y');
  const ab = new MultiLock(a.client, [x, y]);
  const ba = new MultiLock(b.client, [y, x]);
  let inside = 0;
  let most = 0;
  const run = async (m: MultiLock) => {
    for (let i = 0; i < 15; i++) {
      await using held = await m.acquire({ timeoutMs: 10_000 });
      inside++;
      most = Math.max(most, inside);
      assert.equal(held.leases.length, 2);
      await timing.sleep(2);
      inside--;
    }
  };
  await Promise.all([run(ab), run(ba)]);
  assert.equal(most, 1);
  await assertNoLeftoverNodes(server, x);
  await assertNoLeftoverNodes(server, y);
});

test('a MultiLock is all or nothing: when one lock cannot be had, none is kept', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const x = root.child('x');
  const y = root.child('y');
  const blocker = await new Mutex(b.client, y).acquire();
  await assert.rejects(
    new MultiLock(a.client, [x, y]).acquire({ timeoutMs: 300 }),
    AcquireTimeoutError,
  );
  const free = await new Mutex(b.client, x).tryAcquire();
  assert.ok(free, 'x was released again');
  await free.release();
  await blocker.release();
});

test('participants: who holds, who waits, with their data and fencing tokens', async () => {
  await using fx = await proxiedClients(server, { clients: 3, proxy: false });
  const { root } = fx;
  const [a, b, c] = fx.clients;
  const path = root.child('lock');
  const held = await new Mutex(a.client, path, { data: 'worker-a' }).acquire();
  const waiters = [
    new Mutex(b.client, path, { data: 'worker-b' }).acquire(),
    new Mutex(c.client, path, { data: 'worker-c' }).acquire(),
  ];
  await timing.waitFor(async () => (await new Mutex(a.client, path).participants()).length === 3, {
    message: 'three participants',
  });
  const list = await new Mutex(a.client, path).participants();
  assert.equal(list[0]!.nodePath, held.nodePath, 'the holder comes first');
  assert.equal(list[0]!.fencingToken, held.fencingToken);
  assert.equal(list[0]!.data.toString(), 'worker-a');
  assert.deepEqual(
    list
      .slice(1)
      .map((p) => p.data.toString())
      .sort(),
    ['worker-b', 'worker-c'],
  );
  assert.ok(list[1]!.fencingToken < list[2]!.fencingToken);
  await held.release();
  // The two waiters started together, so either may be first in line: release in grant order.
  const pending = new Map(waiters.map((w, i) => [i, w.then((lease) => ({ lease, i }))]));
  while (pending.size > 0) {
    const { lease, i } = await Promise.race(pending.values());
    await lease.release();
    pending.delete(i);
  }
  const rw = new ReadWriteLock(a.client, root.child('rw'));
  const r = await rw.readLock().acquire();
  assert.deepEqual(
    (await rw.participants()).map((p) => p.kind),
    ['read'],
  );
  await r.release();
});

test('revocation: a __REVOKE__ request reaches the holder, which releases; no watch is left', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const path = root.child('lock');
  let revoked = 0;
  const held = await new Mutex(a.client, path).acquire({
    onRevoke: (lease) => {
      revoked++;
      void lease.release();
    },
  });
  const waiting = new Mutex(b.client, path).acquire();
  const [holder] = await new Mutex(b.client, path).participants();
  await requestRevoke(b.client, holder!.nodePath);
  const got = await waiting;
  assert.equal(revoked, 1);
  assert.equal(held.released, true);
  await got.release();
  await requestRevoke(b.client, holder!.nodePath); // a released node: nothing happens
  await assertNoLeftoverWatches(server, { under: root.path });
});
