// A semaphore lease orphaned by a connection loss holds one of maxLeases for as long as its
// session lives: every later acquirer waits for a lease no one holds (CURATOR-315).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionLossError, noRetry } from '@zk-recipes/core';
import { Semaphore } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  TestRoot,
  timing,
} from '@zk-recipes/testing';
import { lostReplyClients } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('a lost lease-create reply leaves exactly one lease, or none when the acquire gives up; maxLeases still holds (CURATOR-315)', async () => {
  await using root = await TestRoot.create(server);
  await using clients = await lostReplyClients(server);
  const { proxy, a, giveUp, b } = clients;
  const path = root.child('sem');
  const leases = `${path}/leases`;
  const sem = (c: typeof a) => new Semaphore(c.client, path, { maxLeases: 1 });
  await a.client.ensurePath(leases); // so the create whose reply is lost does make the node

  const dropped = proxy.dropNextReply({ op: 'create', path: /lease-$/ });
  const lease = await sem(a).acquire({ timeoutMs: timing.ms(10_000) });
  await dropped;
  assert.deepEqual(await childrenOf(server, leases), [lease.nodePath.slice(leases.length + 1)]);
  assert.equal(await sem(b).tryAcquire(), undefined, 'maxLeases still holds');
  await lease.release();

  // Without retries the acquire fails; the lease the server made is removed in the background.
  void proxy.dropNextReply({ op: 'create', path: /lease-$/ });
  await assert.rejects(sem(giveUp).acquire(), ConnectionLossError);
  const after = await sem(b).acquire({ timeoutMs: timing.ms(10_000) });
  assert.equal(await sem(a).tryAcquire(), undefined, 'maxLeases still holds');
  await after.release();
  await timing.waitFor(() => giveUp.client.pendingBackgroundJobs === 0, { message: 'jobs done' });
  await assertNoLeftoverNodes(server, leases);
  await assertNoLeftoverNodes(server, `${path}/locks`);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('a connection cut while a Semaphore acquire waits for a lease leaves no orphan lease; maxLeases still holds (CURATOR-315)', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ direct: true }, { sessionTimeoutMs: 8000, retryPolicy: noRetry }, { direct: true }],
  });
  const { root, proxy } = fx;
  const [holder, waiter, other] = fx.clients;
  const path = root.child('sem');
  const leases = `${path}/leases`;
  const sem = (c: typeof holder) => new Semaphore(c.client, path, { maxLeases: 1 });
  const held = await sem(holder).acquire();
  const waiting = sem(waiter).acquire();
  const failed = waiting.then(
    () => undefined,
    (e: unknown) => e,
  );
  await timing.waitFor(async () => (await childrenOf(server, leases)).length === 2);
  await timing.sleep(200); // its first listing is done: it waits on the watch now
  // The release wakes the waiter; the reply to its listing is lost with the connection.
  const dropped = proxy.dropNextReply({ op: 'getChildren2', path: leases });
  await held.release();
  await dropped;
  assert.ok((await failed) instanceof ConnectionLossError, 'the acquire failed on the loss');
  // Its lease node is gone (deleted in the background once reconnected): the lease is free.
  const next = await sem(other).acquire({ timeoutMs: timing.ms(10_000) });
  assert.equal(await sem(holder).tryAcquire(), undefined, 'maxLeases still holds');
  await next.release();
  await timing.waitFor(() => waiter.client.pendingBackgroundJobs === 0, { message: 'jobs done' });
  await assertNoLeftoverNodes(server, leases);
  await assertNoLeftoverNodes(server, `${path}/locks`);
  await assertNoLeftoverWatches(server, { under: root.path });
});
