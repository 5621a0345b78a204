import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AcquireTimeoutError, type HeldNode, type ZkClient } from '@zk-recipes/core';
import { leaseDriver } from '@zk-recipes/core/recipe';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  FaultProxy,
  TestingServer,
  TestRoot,
  timing,
} from '@zk-recipes/testing';
import { countSocketWrites, startedClient } from '../support/core-helpers.js';

let server: TestingServer;
let proxy: FaultProxy;
const clients: ZkClient[] = [];
before(async () => {
  server = await TestingServer.start({ tickTimeMs: 200 });
  proxy = await FaultProxy.start(server);
  for (let i = 0; i < 6; i++) {
    clients.push(
      (await startedClient({ connectString: proxy.connectString, sessionTimeoutMs: 8000 })).client,
    );
  }
});
after(async () => {
  for (const c of clients) await c.close();
  await proxy.close();
  await server.close();
});

const c = (i: number) => clients[i]!;
const LOCK = { lockName: 'lock-' };

test('grants in creation order, one holder at a time, fencing tokens increasing', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('mutex');
  const holders: number[] = [];
  // Created in order 0, 1, 2, 3: each starts once the one before has its node. (Starting them
  // 50 ms apart let a loaded machine create them out of order, and the test then waited for a
  // grant that could not come.)
  const grants: Promise<HeldNode>[] = [];
  for (const i of [0, 1, 2, 3]) {
    grants.push(
      c(i)
        .contend(path, LOCK)
        .then((held) => {
          holders.push(i);
          return held;
        }),
    );
    await timing.waitFor(async () => (await childrenOf(server, path)).length === i + 1, {
      message: `contender ${i}'s node`,
    });
  }
  const first = await grants[0]!;
  await timing.sleep(200);
  assert.deepEqual(holders, [0], 'only the first holds');
  const tokens = [first.fencingToken];
  let current: HeldNode = first;
  for (let i = 1; i < 4; i++) {
    await current.release();
    current = await grants[i]!;
    assert.deepEqual(holders, [0, 1, 2, 3].slice(0, i + 1));
    tokens.push(current.fencingToken);
  }
  await current.release();
  await current.release(); // idempotent
  assert.deepEqual(
    [...tokens].sort((a, b) => (a < b ? -1 : 1)),
    tokens,
    'tokens grow in grant order',
  );
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('abort while waiting deletes the node and the watch; the next in line moves up', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('mutex');
  const holder = await c(0).contend(path, LOCK);
  const ac = new AbortController();
  const waiting = c(1).contend(path, { ...LOCK, signal: ac.signal });
  await timing.sleep(100);
  const third = c(2).contend(path, LOCK);
  await timing.sleep(100);
  ac.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
  await assertNoLeftoverWatches(server, { sessionId: c(1).session!.sessionId });
  await holder.release();
  const t = await third;
  await t.release();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('a timeout deletes the node and the watch; timeoutMs 0 never waits', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('mutex');
  const holder = await c(0).contend(path, LOCK);
  const began = performance.now();
  await assert.rejects(c(1).contend(path, { ...LOCK, timeoutMs: 300 }), AcquireTimeoutError);
  assert.ok(performance.now() - began >= 290);
  await assert.rejects(c(2).contend(path, { ...LOCK, timeoutMs: 0 }), AcquireTimeoutError);
  await assertNoLeftoverWatches(server, { under: root.path });
  await holder.release();
  await assertNoLeftoverNodes(server, path);
});

test('a release grants exactly one waiter and no waiter lists (no herd); the first round trip is pipelined', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('mutex');
  await c(0).ensurePath(path);
  const listsBefore = proxy.requestCount('getChildren2');
  const createsBefore = proxy.requestCount('create2');
  const holder = await c(0).contend(path, LOCK);
  // One create and one listing sent right behind it: one round trip for an uncontended grant.
  assert.equal(proxy.requestCount('getChildren2') - listsBefore, 1, 'one listing');
  assert.equal(proxy.requestCount('create2') - createsBefore, 1, 'one create');
  // Waiters start together, so their order is the server's; release whoever holds, in turn.
  const granted: HeldNode[] = [];
  const waiters = [1, 2, 3, 4, 5].map((i) =>
    c(i)
      .contend(path, LOCK)
      .then((h) => granted.push(h)),
  );
  await timing.sleep(300);
  assert.equal(granted.length, 0);
  const lists = proxy.requestCount('getChildren2');
  await holder.release();
  await timing.waitFor(() => granted.length === 1, { message: 'the next grant' });
  await timing.sleep(200);
  assert.equal(granted.length, 1, 'one holder');
  // The next in line watched the holder: its deletion alone grants, without a listing; and
  // no other waiter woke up to list either (no herd).
  assert.equal(proxy.requestCount('getChildren2') - lists, 0, 'no listing at all');
  for (let i = 0; i < 5; i++) {
    await timing.waitFor(() => granted.length === i + 1, { message: `grant ${i + 1}` });
    await granted[i]!.release();
  }
  await Promise.all(waiters);
  await assertNoLeftoverNodes(server, path);
});

test("a contender's create and the listing queued behind it leave in one write", async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('mutex');
  await c(0).ensurePath(path);
  const writes = countSocketWrites(c(0));
  try {
    const holder = await c(0).contend(path, LOCK);
    // Not two (the create alone at once, the listing on the next tick): one, at once.
    assert.equal(writes.count, 1, `${writes.count} writes for the create and its listing`);
    await holder.release();
  } finally {
    writes.restore();
  }
});

test('a lease driver grants n at once (a semaphore)', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('sem');
  const driver = leaseDriver(2);
  const a = await c(0).contend(path, { lockName: 'lease-', driver });
  const b = await c(1).contend(path, { lockName: 'lease-', driver });
  await assert.rejects(
    c(2).contend(path, { lockName: 'lease-', driver, timeoutMs: 200 }),
    AcquireTimeoutError,
  );
  const third = c(2).contend(path, { lockName: 'lease-', driver });
  await a.release();
  const t = await third;
  await b.release();
  await t.release();
  await assertNoLeftoverNodes(server, path);
});
