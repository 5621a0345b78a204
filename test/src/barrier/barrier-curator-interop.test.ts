// Barrier and DoubleBarrier with Curator's DistributedBarrier and DistributedDoubleBarrier
// (Java) on one path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Barrier, DoubleBarrier } from '@zk-recipes/barrier';
import { TestRoot } from '@zk-recipes/testing';
import {
  childrenOrNone,
  eventually,
  settledWithin,
  startedClient,
} from '../support/core-helpers.js';
import { curatorPeer } from '../support/curator-shared.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('Curator interop: a barrier set by DistributedBarrier (Java) holds our waiters until Java removes it, and ours holds Java', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('gate');
    await using java = curatorPeer('barrier-set', server.connectString, path);
    assert.equal(await java.line(), 'set');
    const waiting = new Barrier(c.client, path).waitOnBarrier({ timeoutMs: 20_000 });
    assert.equal(await settledWithin(waiting, 300), false, 'held by the Java barrier');
    java.send('remove');
    assert.equal(await java.line(), 'removed');
    await waiting;
    // The other way: ours set holds Java's waitOnBarrier (it times out).
    const ours = new Barrier(c.client, path);
    await ours.set();
    await using held = curatorPeer('barrier-wait', server.connectString, path, '300');
    assert.equal(await held.line(), 'timeout');
    await ours.remove();
  } finally {
    await root.remove();
  }
});

test('Curator interop: a DoubleBarrier of 4 with two Java and two TypeScript members enters and leaves together', async () => {
  const root = await TestRoot.create(server);
  const clients = await Promise.all(
    [0, 1].map(() => startedClient({ connectString: server.connectString })),
  );
  try {
    const path = root.child('mixed');
    await using javaA = curatorPeer('double', server.connectString, path, '4', '20000');
    await using javaB = curatorPeer('double', server.connectString, path, '4', '20000');
    const ours = clients.map(({ client }) => new DoubleBarrier(client, path, 4));
    const first = ours[0]!.enter({ timeoutMs: 20_000 });
    // Three members (two Java, one ours) wait for the fourth.
    await eventually(
      async () =>
        (await clients[0]!.client.getChildren(path).catch(() => ({ children: [] }))).children
          .length === 3,
      15_000,
      'three members',
    );
    assert.equal(await settledWithin(first, 200), false);
    await ours[1]!.enter({ timeoutMs: 20_000 });
    await first;
    assert.deepEqual([await javaA.line(), await javaB.line()], ['entered', 'entered']);
    // Leave: Java leaves when told; we leave together.
    javaA.send('leave');
    javaB.send('leave');
    await Promise.all(ours.map((b) => b.leave({ timeoutMs: 20_000 })));
    assert.deepEqual([await javaA.line(), await javaB.line()], ['left', 'left']);
    // Nothing left: no member node, or no barrier node at all (Curator made it as a container,
    // and the server may already have removed it once its last member left).
    assert.deepEqual(await childrenOrNone(clients[0]!.client, path), []);
  } finally {
    await Promise.all(clients.map((c) => c.client.close()));
    await root.remove();
  }
});
