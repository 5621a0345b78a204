// The kit's witnessed read-modify-write (update with `witness`): a conditional write whose reply
// was lost is told apart from an equal write by someone else, against a real server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWitnessName, update } from '@zk-recipes/core/recipe';
import { FaultProxy, TestRoot } from '@zk-recipes/testing';
import { eventually, startedClient } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();
const int = (n: number) => Buffer.from(String(n));
const plusOne = (cur: { data: Buffer } | undefined) => int(Number(cur?.data.toString() ?? 0) + 1);

test('update witness: a lost reply of a committed write is recognised, applied once (CURATOR-584)', async () => {
  const root = await TestRoot.create(server);
  const path = root.child('counter');
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  try {
    await c.client.create(path, int(5));
    const dropped = proxy.dropNextReply({ op: 'multi' });
    const after = await update(c.client, path, plusOne, { witness: true });
    await dropped;
    assert.equal(after?.data.toString(), '6');
    assert.equal(after?.stat.version, 1);
    const { data, stat } = await c.client.getData(path);
    assert.equal(data.toString(), '6', 'applied once');
    assert.equal(stat.version, 1);

    // The create of an absent node (parents too): its reply lost, the node is ours.
    const fresh = root.child('a/b/fresh');
    const droppedCreate = proxy.dropNextReply({ op: 'multi' });
    const made = await update(c.client, fresh, plusOne, {
      create: true,
      createParents: true,
      witness: true,
    });
    await droppedCreate;
    assert.equal(made?.data.toString(), '1');
    assert.equal((await c.client.getData(fresh)).data.toString(), '1');
  } finally {
    await root.remove();
  }
});

test('update witness: an equal write by another client from the same version is not taken for ours (a lost increment without it)', async () => {
  const root = await TestRoot.create(server);
  const path = root.child('counter');
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  await using other = await startedClient({ connectString: server.connectString });
  try {
    await c.client.create(path, int(5));
    for (const witness of [false, true]) {
      await c.client.setData(path, int(5));
      const base = (await c.client.exists(path))!.version;
      let calls = 0;
      // Between our read and our write, the other client writes the very bytes we will write
      // (6, from the same version): our write then fails with BadVersion, and its reply is lost.
      const result = update(
        c.client,
        path,
        async (cur) => {
          if (calls++ === 0) {
            await other.client.setData(path, int(6), { version: base });
            void proxy.dropNextReply({
              op: witness ? 'multi' : 'setData',
              path: witness ? undefined : path,
            });
          }
          return plusOne(cur);
        },
        { witness },
      );
      if (witness) {
        assert.equal((await result)?.data.toString(), '7', 'ours went round and counted');
        assert.equal((await c.client.getData(path)).data.toString(), '7');
      } else {
        // Without a witness the bytes and version match ours: undetectable, our +1 is lost.
        assert.equal((await result)?.data.toString(), '6');
        assert.equal((await c.client.getData(path)).data.toString(), '6');
      }
    }
  } finally {
    await root.remove();
  }
});

test('update witness: the witness is an ephemeral child only, removed after the writer is idle; readers see the same data', async () => {
  const root = await TestRoot.create(server);
  const path = root.child('counter');
  await using c = await startedClient({ connectString: server.connectString });
  try {
    await Promise.all(
      Array.from({ length: 10 }, () =>
        update(c.client, path, plusOne, { create: true, witness: true }),
      ),
    );
    assert.equal((await c.client.getData(path)).data.toString(), '10');
    const { children } = await c.client.getChildren(path);
    assert.ok(children.length >= 1 && children.every(isWitnessName), children.join());
    const owner = (await c.client.exists(`${path}/${children[0]}`))!.ephemeralOwner;
    assert.equal(owner, c.client.session!.sessionId, 'ephemeral, of the writer');
    // Idle: the witnesses go, and the counter can be deleted again.
    await eventually(async () => (await c.client.getChildren(path)).children.length === 0, 10_000);
    await c.client.delete(path);
  } finally {
    await root.remove();
  }
});
