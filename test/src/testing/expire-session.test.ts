import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expireSession, TestingServer, TestRoot, WireClient, timing } from '@zk-recipes/testing';
import { call, plainClient, zookeeper } from '../support/plain-client.js';

test("expireSession removes the session's ephemeral node within a second", async () => {
  await using server = await TestingServer.start();
  await using root = await TestRoot.create(server);
  const client = await plainClient(server.connectString, 30_000);
  try {
    const expired = new Promise<void>((r) => client.once('expired', () => r()));
    const node = root.child('eph');
    await call((cb) => client.create(node, zookeeper.CreateMode.EPHEMERAL, cb));
    const watcher = await WireClient.connect({ connectString: server.connectString });
    assert.notEqual(await watcher.exists(node), null);

    const began = performance.now();
    await expireSession(client, server);
    await timing.waitFor(async () => (await watcher.exists(node)) === null, {
      timeoutMs: 1000,
      message: 'the ephemeral node to go',
    });
    const took = performance.now() - began;
    assert.ok(took < timing.ms(1000), `ephemeral went after ${took} ms`);
    await expired; // the original client learns it on reconnect
    await watcher.closeSession();
  } finally {
    client.close();
  }
});
