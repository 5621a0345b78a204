// Regression tests for defects found in review of core. Each describes the sequence that
// broke it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ClientClosedError,
  createClient,
  noRetry,
  OperationTimeoutError,
  type WatchEvent,
  type Logger,
} from '@zk-recipes/core';
import { FaultProxy, TestRoot, WireClient, timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('a watch notification arriving in the same chunk as its reply is not lost', async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 8000 }] });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const node = root.child('n');
  await started.client.create(node);
  const other = await WireClient.connect({ connectString: server.connectString });
  const events: WatchEvent[] = [];
  proxy.partition('toClient'); // the request reaches the server; its reply waits at the proxy
  const read = started.client.getData(node, { watch: (e) => events.push(e) });
  await timing.sleep(150);
  await other.delete(node); // the notification waits behind the reply
  await other.closeSession();
  await timing.sleep(100);
  proxy.heal(); // both arrive in one write
  await read;
  await timing.waitFor(() => events.length === 1, {
    timeoutMs: 2000,
    message: 'the watch to fire',
  });
  assert.deepEqual(events, [{ type: 'NodeDeleted', path: node }]);
});

test('an abort while the contender is waiting for its getData reply is not ignored', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ direct: true }, { sessionTimeoutMs: 10_000 }],
  });
  const { root, proxy } = fx;
  const [holder, slow] = fx.clients;
  const path = root.child('lock');
  const held = await holder.client.contend(path, { lockName: 'lock-' });
  proxy.setLatency(300); // every round trip of `slow` takes 600 ms
  const ac = new AbortController();
  const waiting = slow.client.contend(path, { lockName: 'lock-', signal: ac.signal });
  setTimeout(() => ac.abort(), 900); // while the getData on the holder's node is in flight
  const began = performance.now();
  await assert.rejects(waiting, { name: 'AbortError' });
  assert.ok(performance.now() - began < timing.ms(4000), 'rejected soon after the abort');
  proxy.setLatency(0);
  await held.release();
});

test('a listener that throws stops neither the others nor the state machine; its error is logged', async () => {
  await using root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  const errors: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (o, msg) => errors.push(`${msg}: ${String((o as { err: Error }).err.message)}`),
  };
  const client = createClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 6000,
    logger,
  });
  const seen: string[] = [];
  try {
    client.onStateChange(() => {
      throw new Error('listener bug');
    });
    client.onStateChange((c) => seen.push(c.state));
    await client.start();
    await client.exists(root.child('w'), {
      watch: () => {
        throw new Error('watch bug');
      },
    });
    await client.create(root.child('w'));
    proxy.closeAll();
    await timing.waitFor(() => client.state === 'RECONNECTED', { message: 'RECONNECTED' });
    assert.deepEqual(seen, ['CONNECTED', 'SUSPENDED', 'RECONNECTED']);
    assert.equal(errors.filter((e) => e === 'a state listener threw: listener bug').length, 3);
    assert.ok(errors.includes('a watch listener threw: watch bug'));
    assert.ok(await client.exists('/'), 'the client still works');
  } finally {
    await client.close();
  }
});

test('a request that timed out before it was sent is not sent later', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 8000, retryPolicy: noRetry },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const node = root.child('n');
  await started.client.create(node, 'before');
  proxy.rejectConnections(); // disconnected; requests wait in the queue for a reconnect
  await timing.waitFor(() => started.client.state === 'SUSPENDED', { message: 'SUSPENDED' });
  await assert.rejects(
    started.client.setData(node, 'late', { requestTimeoutMs: 200 }),
    OperationTimeoutError,
  );
  proxy.heal();
  await timing.waitFor(() => started.client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  await started.client.sync(node);
  assert.equal((await started.client.getData(node)).data.toString(), 'before');
});

test('close() during start() settles start() at once', async () => {
  await using proxy = await FaultProxy.start(server);
  proxy.partition();
  const client = createClient({ connectString: proxy.connectString, sessionTimeoutMs: 4000 });
  const starting = client.start({ timeoutMs: 30_000 });
  await timing.sleep(100);
  const began = performance.now();
  await client.close();
  await assert.rejects(starting, ClientClosedError);
  assert.ok(performance.now() - began < timing.ms(3000));
});
