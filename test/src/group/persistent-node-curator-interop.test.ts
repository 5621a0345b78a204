// PersistentNode and Curator's PersistentNode (Java) on one path: the same layout (an ephemeral
// node with the data at the path), and ours never takes over the node Java holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeConflictError, PersistentNode } from '@zk-recipes/group';
import { TestRoot } from '@zk-recipes/testing';
import { eventually, startedClient } from '../support/core-helpers.js';
import { curatorPeer } from '../support/curator-shared.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test("Curator interop: a node held by Curator's PersistentNode (Java) is a conflict for ours, untouched; ours is placed once Java closes", async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('members/m1');
    await using java = curatorPeer('persistent-node', server.connectString, path, 'java');
    assert.equal(await java.line(), 'created');
    const held = await c.client.getData(path);
    assert.equal(held.data.toString(), 'java');
    assert.notEqual(held.stat.ephemeralOwner, 0n, 'ephemeral, as ours');
    await using ours = new PersistentNode(c.client, path, { data: 'ts' });
    await assert.rejects(ours.start(), NodeConflictError);
    const still = await c.client.getData(path);
    assert.equal(still.data.toString(), 'java');
    assert.equal(still.stat.version, held.stat.version, 'not written');
    java.send('close');
    assert.equal(await java.line(), 'closed');
    assert.equal(await ours.waitForPlaced({ timeoutMs: 10_000 }), true);
    assert.equal((await c.client.getData(path)).data.toString(), 'ts');
  } finally {
    await root.remove();
  }
});

test("Curator interop: Curator's PersistentNode (Java) started on the path of ours adopts our node (writes its data into it, CURATOR-154) and deletes it on close; ours places its node again", async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('members/m2');
    await using ours = new PersistentNode(c.client, path, { data: 'ts' });
    await ours.start();
    const session = c.client.session!.sessionId;
    await using java = curatorPeer('persistent-node', server.connectString, path, 'java');
    assert.equal(await java.line(), 'created');
    const adopted = await c.client.getData(path);
    assert.equal(adopted.data.toString(), 'java', "Curator's data written into our node");
    assert.equal(adopted.stat.ephemeralOwner, session, 'still our session');
    java.send('close');
    assert.equal(await java.line(), 'closed');
    await eventually(
      async () => {
        const now = await c.client.getData(path).catch(() => undefined);
        return now?.data.toString() === 'ts' && now.stat.czxid > adopted.stat.czxid;
      },
      10_000,
      'ours placed again',
    );
    assert.equal((await c.client.exists(path))!.ephemeralOwner, session);
    assert.equal(ours.isPlaced, true);
  } finally {
    await root.remove();
  }
});
