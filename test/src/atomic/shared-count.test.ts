// SharedCount and SharedValue against a real server: Curator's bytes, compare-and-set,
// following the node after it is deleted and made again (Curator stops), Curator interop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedCount, SharedValue, type Versioned } from '@zk-recipes/atomic';
import { DataTooLargeError, InvalidArgumentError, RecipeClosedError } from '@zk-recipes/core';
import { TestRoot } from '@zk-recipes/testing';
import { eventually, startedClient } from '../support/core-helpers.js';
import { curatorPeer } from '../support/curator-shared.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('SharedCount: int32 big-endian, seeded when absent, compare-and-set, changes() from other clients', async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('counts/workers');
    await using count = new SharedCount(a.client, path, 43);
    await count.start();
    assert.equal((await a.client.getData(path)).data.toString('hex'), '0000002b');
    await using other = new SharedCount(b.client, path, 7); // the seed does not overwrite
    await other.start();
    assert.equal(other.current?.value, 43);
    const seen: number[] = [];
    const ac = new AbortController();
    const following = (async () => {
      for await (const { value } of other.changes({ signal: ac.signal })) {
        seen.push(value);
        if (value === 45) break;
      }
    })();
    const { value, stat } = count.current!;
    assert.equal(await count.trySet(value + 1, stat.version), true);
    assert.equal(await count.trySet(99, stat.version), false, 'stale version: not written');
    await count.set(45);
    await following;
    assert.deepEqual(seen, [44, 45]);
    await eventually(() => count.current?.value === 45, 5000);
  } finally {
    await root.remove();
  }
});

test('SharedCount: keeps following after the node is deleted and made again (Curator stops)', async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('count');
    await using count = new SharedCount(a.client, path, 1);
    await count.start();
    await count.set(256);
    await eventually(() => count.current?.value === 256, 5000);
    const int = (n: number) => {
      const x = Buffer.alloc(4);
      x.writeInt32BE(n);
      return x;
    };
    // Curator's measured sequence: delete, create(9), setData(10); Curator still said 256.
    await admin.client.delete(path);
    await eventually(() => count.current === undefined, 5000, 'seen gone');
    await admin.client.create(path, int(9));
    await eventually(() => count.current?.value === 9, 5000, 'seen re-created');
    await admin.client.setData(path, int(10));
    await eventually(() => count.current?.value === 10, 5000, 'seen the next write');
    assert.equal(count.current?.stat.version, 1, 'the new node, version 1');
  } finally {
    await root.remove();
  }
});

test('SharedValue: raw bytes; bad input (a non-integer count, a value too large) is a typed error before sending', async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('mode');
    await using mode = new SharedValue(a.client, path, 'normal');
    await mode.start();
    assert.equal((await a.client.getData(path)).data.toString(), 'normal');
    const next = mode.changes().next();
    await mode.set('drain');
    const first = await next;
    assert.ok(!first.done);
    const seen: Versioned<Buffer> = first.value;
    assert.equal(seen.value.toString(), 'drain');
    await assert.rejects(mode.set(Buffer.alloc(2 * 1024 * 1024)), DataTooLargeError);
    assert.throws(() => new SharedCount(a.client, path, 1.5), InvalidArgumentError);
    await using count = new SharedCount(a.client, root.child('c'), 0);
    await count.start();
    await assert.rejects(count.set(2 ** 31), InvalidArgumentError);
    await assert.rejects(count.trySet(NaN, 0), InvalidArgumentError);
    assert.equal((await a.client.getData(path)).data.toString(), 'drain', 'nothing sent');
  } finally {
    await root.remove();
  }
});

test('Curator interop: a SharedCount set by Java is seen by ours, and ours by Java', async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('shared');
    await using count = new SharedCount(a.client, path, 0);
    await count.start();
    await using javaSet = curatorPeer('count-set', server.connectString, path, '1234');
    assert.equal(await javaSet.line(), 'set');
    await eventually(() => count.current?.value === 1234, 10_000, "Java's value seen");
    await using javaWait = curatorPeer('count-wait', server.connectString, path, '-77');
    await new Promise((r) => setTimeout(r, 300));
    await count.set(-77);
    assert.equal(await javaWait.line(), 'seen -77');
  } finally {
    await root.remove();
  }
});

test('SharedValue and SharedCount: every call after close() is a RecipeClosedError and writes nothing (set() used to write)', async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  try {
    const closed = (e: unknown) => e instanceof RecipeClosedError && e.code === 'RECIPE_CLOSED';
    const value = new SharedValue(a.client, root.child('v'), 'seed');
    const count = new SharedCount(a.client, root.child('c'), 1);
    await value.start();
    await count.start();
    await value.close();
    await count.close();
    await assert.rejects(value.set('x'), closed);
    await assert.rejects(value.trySet('x', 0), closed);
    await assert.rejects(value.ready(), closed);
    assert.throws(() => value.changes(), closed);
    await assert.rejects(count.set(5), closed);
    await assert.rejects(count.trySet(5, 0), closed);
    await assert.rejects(count.ready(), closed);
    assert.throws(() => count.changes(), closed);
    const v = await a.client.getData(root.child('v'));
    assert.equal(v.data.toString(), 'seed');
    assert.equal(v.stat.version, 0, 'not written');
    assert.equal((await a.client.getData(root.child('c'))).stat.version, 0, 'not written');
  } finally {
    await root.remove();
  }
});
