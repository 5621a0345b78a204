// PersistentTtlNode against a real server (TTL nodes enabled, containers checked every second):
// Curator's layout, touched while it lives, created with its first touch in one transaction so
// that nothing is left behind once touching stops (Curator's orphan container, CURATOR-545).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '@zk-recipes/core';
import { PersistentTtlNode, TOUCH_NODE } from '@zk-recipes/group';
import { FaultProxy, TestRoot } from '@zk-recipes/testing';
import { eventually, startedClient } from '../support/core-helpers.js';
import { curatorPeer } from '../support/curator-shared.js';
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

test("Curator interop: Curator's PersistentTtlNode (Java) and ours on one path, either starting first: one layout (a container with the data, a TTL `touch` child), each keeps the node alive after the other stops, and it is reaped once both stopped", async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  const ttl = 500;
  const touchOf = (p: string) => c.client.exists(`${p}/${TOUCH_NODE}`);
  /** After `ms`, the node is still there and its touch was written since `since`. */
  const keptAlive = async (p: string, ms: number, what: string) => {
    const since = (await touchOf(p))!.mzxid;
    await new Promise((r) => setTimeout(r, ms));
    const now = await touchOf(p);
    assert.ok(now && now.mzxid > since, `${what}: touched past ${ms} ms (TTL ${ttl} ms)`);
    assert.notEqual(await c.client.exists(p), null, `${what}: the container lives`);
  };
  try {
    // Java first: ours joins the node Curator made, writes its own data there (as Curator's
    // PersistentNode does on a node it finds), and keeps it alive alone.
    const javaFirst = (async () => {
      const p = root.child('leases/java-first');
      await using java = curatorPeer('ttl-node', server.connectString, p, String(ttl), 'java');
      assert.equal(await java.line(), 'started');
      assert.equal(await java.line(), 'touched');
      assert.equal((await c.client.getData(p)).data.toString(), 'java');
      await using ours = new PersistentTtlNode(c.client, p, ttl, { data: 'ts' });
      await ours.start();
      assert.equal((await c.client.getData(p)).data.toString(), 'ts', 'our data written');
      java.send('close');
      assert.equal(await java.line(), 'closed');
      await keptAlive(p, 3 * ttl, 'Java stopped, ours touching');
      await ours.close();
      await eventually(
        async () => (await c.client.exists(p)) === null,
        8000,
        'reaped (java first)',
      );
    })();
    // Ours first: Curator's joins ours and keeps it alive once ours stops.
    const oursFirst = (async () => {
      const p = root.child('leases/ours-first');
      await using ours = new PersistentTtlNode(c.client, p, ttl, { data: 'ts' });
      await ours.start();
      await using java = curatorPeer('ttl-node', server.connectString, p, String(ttl), 'java');
      assert.equal(await java.line(), 'started');
      assert.equal(await java.line(), 'touched');
      const { children } = await c.client.getChildren(p);
      assert.deepEqual(children, [TOUCH_NODE], 'one touch child, shared');
      await ours.close();
      await keptAlive(p, 3 * ttl, 'ours stopped, Java touching');
      java.send('close');
      assert.equal(await java.line(), 'closed');
      await eventually(
        async () => (await c.client.exists(p)) === null,
        8000,
        'reaped (ours first)',
      );
    })();
    // Both run to their end (their Java peers stopped) before the test reports either failure.
    for (const r of await Promise.allSettled([javaFirst, oursFirst])) {
      if (r.status === 'rejected') throw r.reason;
    }
  } finally {
    await root.remove();
  }
});
