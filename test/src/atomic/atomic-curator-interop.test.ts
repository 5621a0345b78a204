// AtomicLong/AtomicInteger and Curator's DistributedAtomicLong/Integer (Java) on one path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AtomicInteger, AtomicLong } from '@zk-recipes/atomic';
import { TestRoot } from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';
import { curatorPeer } from '../support/curator-shared.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('Curator interop: increments from DistributedAtomicLong (Java) and AtomicLong (TypeScript) sum exactly, each reading the other', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  await using d = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('hits');
    // Java starts from a value we wrote: it reads our bytes.
    await new AtomicLong(c.client, path).trySet(1000n);
    await using java = curatorPeer('atomic-long', server.connectString, path, '150');
    const ours = [c.client, d.client].map(async (client) => {
      const n = new AtomicLong(client, path);
      for (let i = 0; i < 100; i++) await n.increment();
    });
    await Promise.all(ours);
    const done = /^done (\d+)$/.exec(await java.line());
    assert.equal(await java.exited(), 0);
    assert.equal(await new AtomicLong(c.client, path).get(), 1350n);
    assert.ok(done && Number(done[1]) >= 1150, `Java's last read ${done?.[1]} counts from ours`);
  } finally {
    await root.remove();
  }
});

test('Curator interop: DistributedAtomicInteger (Java) and AtomicInteger (TypeScript) sum exactly', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('ints');
    await using java = curatorPeer('atomic-int', server.connectString, path, '100');
    const n = new AtomicInteger(c.client, path);
    for (let i = 0; i < 100; i++) await n.increment();
    assert.match(await java.line(), /^done \d+$/);
    assert.equal(await java.exited(), 0);
    assert.equal(await n.get(), 200);
    assert.equal(
      (await c.client.getData(path)).data.toString('hex'),
      (200).toString(16).padStart(8, '0'),
    );
  } finally {
    await root.remove();
  }
});
