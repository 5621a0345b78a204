// PersistentTtlNode against a real server (TTL nodes enabled, containers checked every second):
// Curator's layout, touched while it lives, created with its first touch in one transaction so
// that nothing is left behind once touching stops (Curator's orphan container, CURATOR-545).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '@zk-recipes/core';
import { PersistentTtlNode, TOUCH_NODE } from '@zk-recipes/group';
import { FaultProxy, TestRoot } from '@zk-recipes/testing';
import { eventually, startedClient } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

// Containers and TTL nodes checked every 100 ms: a reaped node is seen soon after its TTL.
const server = sharedServer({ tickTimeMs: 200, containerCheckIntervalMs: 100 });

test('PersistentTtlNode: a container with its data and a touch child, touched every ttl/2; once touching stops, both are gone', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('leases/w1');
    const creates = proxy.requestCount('create');
    const node = new PersistentTtlNode(c.client, path, 600, { data: 'busy' });
    await node.start();
    assert.equal(proxy.requestCount('multi'), 1, 'container and first touch in one transaction');
    assert.equal(proxy.requestCount('create'), creates, 'no create on its own');
    assert.equal((await admin.client.getData(path)).data.toString(), 'busy');
    const first = (await admin.client.exists(`${path}/${TOUCH_NODE}`))!;
    await eventually(
      async () => (await admin.client.exists(`${path}/${TOUCH_NODE}`))!.mzxid > first.mzxid,
      3000,
      'touched again',
    );
    // Kept past several TTLs while touched.
    await new Promise((r) => setTimeout(r, 700));
    assert.notEqual(await admin.client.exists(path), null);
    await node.close();
    // touch expires after its TTL, then the empty container is reaped: nothing is left.
    await eventually(async () => (await admin.client.exists(path)) === null, 8000, 'reaped');
  } finally {
    await root.remove();
  }
});

test('PersistentTtlNode: bad input (negative or zero TTL, touches not within it) is a typed error before anything is sent', async () => {
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  const sent = proxy.requestCount('multi') + proxy.requestCount('create');
  for (const ttl of [-1, 0, 1.5, 2 ** 41]) {
    assert.throws(
      () => new PersistentTtlNode(c.client, '/t', ttl),
      (e) => e instanceof InvalidArgumentError && e.field === 'ttlMs',
    );
  }
  assert.throws(
    () => new PersistentTtlNode(c.client, '/t', 1000, { touchEveryMs: 1000 }),
    (e) => e instanceof InvalidArgumentError && e.field === 'touchEveryMs',
  );
  assert.throws(() => new PersistentTtlNode(c.client, 't', 1000), InvalidArgumentError);
  assert.equal(proxy.requestCount('multi') + proxy.requestCount('create'), sent);
});
