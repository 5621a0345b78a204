// Regression tests for node-zookeeper-client defects met around reconnects and unknown server
// codes (docs/low-level-client.md, "Unknown error codes", "Stale AUTH and SetWatches packets",
// "Oversized SetWatches"). Each fails without its compensation in packages/core/src/driver/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuotaExceededError, ZooKeeperError, type WatchEvent } from '@zk-recipes/core';
import { serverWatches, TestingServer, TestRoot, WireClient, timing } from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';
import { proxiedClients } from '../support/proxied-clients.js';

test('an error code node-zookeeper-client does not know (QUOTAEXCEEDED) is a typed error, not a crash', async () => {
  await using server = await TestingServer.start({ extraConfig: { enforceQuota: true } });
  await using root = await TestRoot.create(server);
  await using started = await startedClient({ connectString: server.connectString });
  const { client } = started;
  const quota = `/zookeeper/quota${root.path}`;
  await client.create(quota);
  await client.create(
    `${quota}/zookeeper_limits`,
    'count=-1,bytes=-1,countHardLimit=2,byteHardLimit=-1',
  );
  await client.create(`${quota}/zookeeper_stats`, 'count=1,bytes=0');
  await client.create(root.child('first'));
  await assert.rejects(client.create(root.child('second')), (e: unknown) => {
    assert.ok(e instanceof QuotaExceededError);
    assert.ok(e instanceof ZooKeeperError);
    assert.equal(e.code, 'QUOTAEXCEEDED');
    assert.equal(e.zkCode, -125);
    assert.equal(e.path, root.child('second'));
    return true;
  });
  assert.ok(await client.exists('/'), 'the connection is still usable');
  await client.delete(`${quota}/zookeeper_stats`);
  await client.delete(`${quota}/zookeeper_limits`);
  await client.delete(quota);
});

test('stale AUTH and SetWatches packets do not pile up over failed connects', async () => {
  await using server = await TestingServer.start({ tickTimeMs: 200 });
  await using fx = await proxiedClients(server, {
    clients: [
      { sessionTimeoutMs: 10_000, auth: [{ scheme: 'digest', credentials: 'app:secret' }] },
    ],
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  await client.exists(root.child('w'), { watch: () => undefined }); // so SetWatches is sent
  const accepted = proxy.acceptedCount;
  const auth = proxy.requestCount('auth');
  const setWatches = proxy.requestCount('setWatches');
  proxy.rejectConnections(); // TCP connects, then closes: no session is reached
  await timing.waitFor(() => proxy.acceptedCount - accepted >= 6, {
    message: 'several failed connects',
  });
  proxy.heal();
  await timing.waitFor(() => client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  await client.exists('/'); // everything queued has gone out by the time this returns
  assert.equal(proxy.requestCount('auth') - auth, 1, 'exactly one AUTH after the reconnect');
  assert.equal(proxy.requestCount('setWatches') - setWatches, 1, 'exactly one SetWatches');
});

test('SetWatches is split under the packet limit: 12,000 watches survive a reconnect', async () => {
  await using server = await TestingServer.start({ tickTimeMs: 200 });
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 10_000 }] });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client, states } = started;
  // 12,000 paths of ~110 bytes: about 1.3 MB of SetWatches, over the 1 MiB jute.maxbuffer.
  const pad = 'x'.repeat(80);
  const paths = Array.from({ length: 12_000 }, (_, i) => `${root.path}/${pad}-${i}`);
  const fired: WatchEvent[] = [];
  for (let i = 0; i < paths.length; i += 1000) {
    await Promise.all(
      paths.slice(i, i + 1000).map((p) => client.exists(p, { watch: (e) => fired.push(e) })),
    );
  }
  proxy.closeAll();
  await timing.waitFor(() => client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  await timing.sleep(1000);
  assert.deepEqual(states(), ['CONNECTED', 'SUSPENDED', 'RECONNECTED'], 'no reconnect storm');
  const watches = [...(await serverWatches(server)).values()].flat();
  assert.equal(watches.filter((p) => p.startsWith(`${root.path}/`)).length, 12_000);
  const c = await WireClient.connect({ connectString: server.connectString });
  await c.create(paths[11_999]!);
  await c.create(paths[0]!);
  await c.closeSession();
  await timing.waitFor(() => fired.length === 2, { message: 'the re-armed watches to fire' });
  assert.deepEqual(
    fired.map((e) => e.type),
    ['NodeCreated', 'NodeCreated'],
  );
});
