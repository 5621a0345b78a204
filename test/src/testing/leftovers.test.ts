import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  LeftoverError,
  TestRoot,
  WireClient,
} from '@zk-recipes/testing';
import { call, plainClient } from '../support/plain-client.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('assertNoLeftoverNodes fails while a node is left and passes once it is gone', async () => {
  const root = await TestRoot.create(server);
  await assertNoLeftoverNodes(server, root.path);
  const c = await WireClient.connect({ connectString: server.connectString });
  await c.create(root.child('a'));
  await c.create(root.child('a', 'b'));
  await assert.rejects(assertNoLeftoverNodes(server, root.path), (e: unknown) => {
    assert.ok(e instanceof LeftoverError);
    assert.deepEqual(e.leftovers, [root.child('a'), root.child('a', 'b')]);
    return true;
  });
  await c.closeSession();
  await root.remove();
  await assertNoLeftoverNodes(server, root.path); // a missing root holds nothing
  const check = await WireClient.connect({ connectString: server.connectString });
  assert.equal(await check.exists(root.path), null, 'TestRoot.remove() deleted the tree');
  await check.closeSession();
});

test('assertNoLeftoverWatches fails while a watch is left (by session and by path)', async () => {
  await using root = await TestRoot.create(server);
  const client = await plainClient(server.connectString);
  try {
    await assertNoLeftoverWatches(server, { under: root.path });
    const watched = root.child('w');
    await call((cb) => client.exists(watched, () => undefined, cb));
    await assert.rejects(assertNoLeftoverWatches(server, { under: root.path }), LeftoverError);
    await assert.rejects(
      assertNoLeftoverWatches(server, { sessionId: client.getSessionId() }),
      LeftoverError,
    );
    // Another path and another session are not counted.
    await assertNoLeftoverWatches(server, { under: `${root.path}-other` });
    await assertNoLeftoverWatches(server, { sessionId: 12345n });
    // Firing the watch removes it.
    const c = await WireClient.connect({ connectString: server.connectString });
    await c.create(watched);
    await c.closeSession();
    await new Promise((r) => setTimeout(r, 100));
    await assertNoLeftoverWatches(server, { under: root.path });
  } finally {
    client.close();
  }
});
