// A Mutex acquire never outlives its client: pending when the client closes, it rejects with
// ClientClosedError (as one started after close does), whether it waits in ZooKeeper's line
// or behind a holder of its own process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientClosedError } from '@zk-recipes/core';
import { Mutex } from '@zk-recipes/lock';
import { assertNoLeftoverNodes, timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('an acquire waiting in line rejects with ClientClosedError when its client closes', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [holder, waiter] = fx.clients;
  const path = root.child('lock');
  const lease = await new Mutex(holder.client, path).acquire();
  const mutex = new Mutex(waiter.client, path);
  const pending = mutex.acquire({ timeoutMs: timing.ms(20_000) });
  await timing.waitFor(async () => (await mutex.participants()).length === 2, {
    message: 'the waiter in line',
  });
  const rejected = assert.rejects(pending, ClientClosedError);
  await waiter.client.close();
  await rejected;
  await assert.rejects(mutex.acquire(), ClientClosedError, 'and so does a later one');
  await lease.release();
  await assertNoLeftoverNodes(server, path);
});

test('an acquire waiting behind a holder of its own process rejects with ClientClosedError when the client closes', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [{ client }] = fx.clients;
  const mutex = new Mutex(client, root.child('lock'));
  const lease = await mutex.acquire(); // never released before the close
  const pending = mutex.acquire({ timeoutMs: timing.ms(20_000) });
  const rejected = assert.rejects(pending, ClientClosedError);
  await client.close();
  await rejected;
  await assert.rejects(mutex.acquire({ timeoutMs: 0 }), ClientClosedError);
  await lease.release(); // never throws
});
