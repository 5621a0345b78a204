import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultProxy, TestRoot, WireClient, timing } from '@zk-recipes/testing';
import { call, plainClient, zookeeper } from '../support/plain-client.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('closeAll() is seen by a plain client as a disconnect, and it reconnects', async () => {
  await using proxy = await FaultProxy.start(server);
  const client = await plainClient(proxy.connectString);
  try {
    const disconnected = new Promise<void>((r) => client.once('disconnected', () => r()));
    const reconnected = disconnected.then(
      () => new Promise<void>((r) => client.once('connected', () => r())),
    );
    assert.equal(proxy.connectionCount, 1);
    proxy.closeAll();
    await disconnected;
    await reconnected;
    assert.ok(await call((cb) => client.exists('/', cb)));
  } finally {
    client.close();
  }
});

test('a silent partition passes no bytes at all and closes nothing; heal lets them through', async () => {
  await using proxy = await FaultProxy.start(server);
  const client = await plainClient(proxy.connectString, 10_000);
  try {
    let disconnected = false;
    client.once('disconnected', () => (disconnected = true));
    await call((cb) => client.exists('/', cb));
    const beforeBytes = proxy.bytesForwarded;
    proxy.partition();
    let answered = false;
    const reply = call((cb) => client.exists('/', cb)).then(() => (answered = true));
    await timing.sleep(1500);
    assert.equal(answered, false, 'no reply crosses a partition');
    assert.equal(disconnected, false, 'the plain client does not notice a silent partition');
    assert.deepEqual(proxy.bytesForwarded, beforeBytes, 'not one byte passed either way');
    assert.equal(proxy.connectionCount, 1, 'the connection stays open');
    proxy.heal();
    await reply;
    assert.equal(answered, true);
  } finally {
    client.close();
  }
});

test('added latency delays every round trip by at least twice the one-way delay', async () => {
  await using proxy = await FaultProxy.start(server);
  const client = await plainClient(proxy.connectString, 10_000);
  try {
    proxy.setLatency(150);
    const began = performance.now();
    await call((cb) => client.exists('/', cb));
    const took = performance.now() - began;
    assert.ok(took >= 295, `round trip took ${took} ms with 150 ms each way`);
    assert.throws(() => proxy.setLatency(-1), RangeError);
  } finally {
    client.close();
  }
});

test('dropNextReply: the create is applied, its reply is lost, and the connection closes', async () => {
  await using root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  const client = await plainClient(proxy.connectString, 10_000);
  try {
    const dropped = proxy.dropNextReply({ op: 'create', path: /\/lost$/ });
    // A non-matching request on the way is not touched.
    await call((cb) => client.create(root.child('kept'), cb));
    const disconnected = new Promise<void>((r) => client.once('disconnected', () => r()));
    const result = await call((cb) => client.create(root.child('lost'), cb)).then(
      () => 'ok',
      (e: { code?: number }) => e.code,
    );
    assert.equal(result, zookeeper.Exception.CONNECTION_LOSS);
    const info = await dropped;
    assert.equal(info.path, root.child('lost'));
    await disconnected;
    const check = await WireClient.connect({ connectString: server.connectString });
    assert.notEqual(await check.exists(root.child('lost')), null, 'the server applied the create');
    await check.closeSession();
  } finally {
    client.close();
  }
});
