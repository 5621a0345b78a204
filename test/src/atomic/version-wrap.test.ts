// A node's version is a Java int: past 2147483647 the server wraps it to -2147483648 and goes on
// up through the negatives, passing -1, which setData and check read as "any version". Nobody
// can write 2^31 times in a test, so one real server starts with its nodes a few writes from the
// wrap (TestingServer's presetNodes), and the counters, shared values and the kit's versioned
// writes are driven across it. Each test failed on the code before the kit's version helpers
// (kit/version.ts): negative versions refused, `version + 1` past the wrap, and a
// compare-and-set at -1 sent as a blind write.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AtomicLong, SharedCount, SharedValue, type Versioned } from '@zk-recipes/atomic';
import { BadVersionError } from '@zk-recipes/core';
import { nextVersion, setDataAtVersion, update } from '@zk-recipes/core/recipe';
import { FaultProxy, TestingServer } from '@zk-recipes/testing';
import { eventually, startedClient } from '../support/core-helpers.js';

const MAX = 2147483647;
const MIN = -2147483648;
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

let server: TestingServer;
before(async () => {
  server = await TestingServer.start({
    presetNodes: [
      { path: '/wrap/count', data: int32(0), version: MAX - 2 },
      { path: '/wrap/value', data: Buffer.from('v0'), version: MAX - 1 },
      { path: '/wrap/count-minus', data: int32(0), version: -3 },
      { path: '/wrap/long-minus', data: int64(0n), version: -2 },
      { path: '/wrap/long-top', data: int64(0n), version: MAX - 1 },
      { path: '/wrap/plain-top', data: int32(0), version: MAX },
      { path: '/wrap/long-lost', data: int64(0n), version: MAX },
      { path: '/wrap/kit', data: int32(0), version: -1 },
    ],
  });
});
after(() => server?.close());

/** Follows `changes()` until it has seen `n` values. */
function collect<T>(recipe: { changes(): AsyncIterableIterator<Versioned<T>> }, n: number) {
  const seen: [T, number][] = [];
  const done = (async () => {
    for await (const { value, stat } of recipe.changes()) {
      seen.push([value, stat.version]);
      if (seen.length === n) break;
    }
  })();
  return { seen, done };
}

test('kit: nextVersion wraps as the server does; setDataAtVersion at -1 writes only a node at -1', async () => {
  assert.equal(nextVersion(MAX), MIN);
  assert.equal(nextVersion(-2), -1);
  assert.equal(nextVersion(-1), 0);
  assert.equal(nextVersion(41), 42);
  await using c = await startedClient({ connectString: server.connectString });
  const path = '/wrap/kit';
  assert.equal((await c.client.exists(path))!.version, -1);
  await c.client.setData(path, int32(5)); // someone writes: the node is at 0 now
  // At -1 a plain setData would be a blind write over it; a compare-and-set is refused.
  await assert.rejects(setDataAtVersion(c.client, path, int32(6), -1), BadVersionError);
  assert.equal((await c.client.getData(path)).data.readInt32BE(0), 5);
  const stat = await setDataAtVersion(c.client, path, int32(7), 0);
  assert.equal(stat.version, 1);
});

test('SharedCount: changes() and current follow the version through the wrap (2147483646 to -2147483647) and past -1 to 0; trySet works with wrapped versions', async () => {
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  await using count = new SharedCount(a.client, '/wrap/count', 0);
  await count.start();
  assert.equal(count.current?.stat.version, MAX - 2);
  await using writer = new SharedCount(b.client, '/wrap/count', 0);
  await writer.start();
  const { seen, done } = collect(count, 4);
  // Each a compare-and-set on the version just read, the last ones on negative versions.
  for (let v = 1; v <= 4; v++) {
    await eventually(() => writer.current?.value === v - 1, 5000, `writer saw ${v - 1}`);
    const { stat } = writer.current!;
    assert.equal(await writer.trySet(v, stat.version), true, `trySet at version ${stat.version}`);
  }
  await done;
  assert.deepEqual(seen, [
    [1, MAX - 1],
    [2, MAX],
    [3, MIN],
    [4, MIN + 1],
  ]);
  await eventually(() => count.current?.value === 4, 5000, 'current caught up');
  assert.equal(count.current?.stat.version, MIN + 1, 'current: the fresh, wrapped version');
  assert.equal(await writer.trySet(99, MIN), false, 'a stale wrapped version is refused');
  assert.equal((await a.client.getData('/wrap/count')).data.readInt32BE(0), 4);

  // Past -1: -3, -2, -1, 0, 1 (the first writes are plain sets).
  await using minus = new SharedCount(a.client, '/wrap/count-minus', 0);
  await minus.start();
  const below = collect(minus, 4);
  await minus.set(1);
  await minus.set(2); // now at -1
  await eventually(() => minus.current?.stat.version === -1, 5000, 'seen at -1');
  assert.equal(await minus.trySet(3, -1), true, 'trySet at -1 on a node at -1');
  assert.equal(await minus.trySet(4, 0), true);
  await below.done;
  assert.deepEqual(below.seen, [
    [1, -2],
    [2, -1],
    [3, 0],
    [4, 1],
  ]);
});

test('SharedCount: trySet(value, -1) is a compare-and-set like any other: false once the node moved past -1 (the server would take -1 for "any version")', async () => {
  await using a = await startedClient({ connectString: server.connectString });
  await using count = new SharedCount(a.client, '/wrap/count-minus', 0);
  await count.start();
  // The previous test left it at version 1; the stale -1 must not write blindly.
  assert.equal(count.current?.stat.version, 1);
  assert.equal(await count.trySet(50, -1), false);
  assert.equal((await a.client.getData('/wrap/count-minus')).data.readInt32BE(0), 4);
});

test('SharedValue: changes() across the wrap, each change once', async () => {
  await using a = await startedClient({ connectString: server.connectString });
  await using value = new SharedValue(a.client, '/wrap/value');
  await value.start();
  const { seen, done } = collect(value, 3);
  for (const v of ['v1', 'v2', 'v3']) await value.set(v);
  await done;
  assert.deepEqual(
    seen.map(([v, version]) => [v.toString(), version]),
    [
      ['v1', MAX],
      ['v2', MIN],
      ['v3', MIN + 1],
    ],
  );
});

test('AtomicLong: increments from the version it last wrote stay exact at -1 (a write on a known -1 is no blind write) and across the wrap', async () => {
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  const mine = new AtomicLong(a.client, '/wrap/long-minus');
  const theirs = new AtomicLong(b.client, '/wrap/long-minus');
  assert.equal((await mine.increment()).stat.version, -1); // -2 -> -1, remembered
  assert.equal((await theirs.increment()).postValue, 2n); // -1 -> 0 behind its back
  // Its next write starts from the -1 it knows: sent as setData(-1) it overwrote the 2 with 2.
  assert.equal((await mine.increment()).postValue, 3n);
  assert.equal(await theirs.get(), 3n);

  const top = new AtomicLong(a.client, '/wrap/long-top');
  const versions: number[] = [];
  for (let i = 0; i < 4; i++) versions.push((await top.increment()).stat.version);
  assert.deepEqual(versions, [MAX, MIN, MIN + 1, MIN + 2]);
  assert.equal(await top.get(), 4n);
});

test('a write whose reply was lost at the wrap is recognised as ours: update() (one past 2147483647 is -2147483648) and AtomicLong (its next write goes on from the wrapped version)', async () => {
  await using proxy = await FaultProxy.start(server);
  await using a = await startedClient({ connectString: proxy.connectString });
  // The plain versioned write: its reply dropped, the node read again is one past ours.
  const dropped = proxy.dropNextReply({ op: 'setData', path: '/wrap/plain-top' });
  const r = await update(a.client, '/wrap/plain-top', (cur) => int32(cur!.data.readInt32BE(0) + 1));
  await dropped;
  assert.equal(r?.stat.version, MIN);
  assert.equal((await a.client.getData('/wrap/plain-top')).data.readInt32BE(0), 1);

  // The witnessed write (AtomicLong's): the reply of its multi dropped at the wrap; the next
  // increment starts from the version that write left (it used to be 2147483648: refused).
  const long = new AtomicLong(a.client, '/wrap/long-lost');
  const lost = proxy.dropNextReply({ op: 'multi' });
  const first = await long.increment();
  await lost;
  assert.deepEqual([first.postValue, first.stat.version], [1n, MIN]);
  const second = await long.increment();
  assert.deepEqual([second.postValue, second.stat.version], [2n, MIN + 1]);
  assert.equal(await long.get(), 2n);
});
