// Curator's queues (Java, test/java/CuratorQueueWorker.java) and ours on the same paths, both
// directions: the same node names and bytes, and each side consumes what the other produced.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringSerializer, type ZkClient } from '@zk-recipes/core';
import {
  DelayQueue,
  DistributedQueue,
  encodeFrame,
  IdQueue,
  PriorityQueue,
  SimpleQueue,
  type QueueBase,
} from '@zk-recipes/queue';
import { childrenOf } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { JavaQueuePeer } from '../support/queue-java.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const strings = { serializer: stringSerializer };
const frame = (...items: string[]) => encodeFrame(items.map((i) => Buffer.from(i)));

async function takeAll<T>(q: QueueBase<T>, n: number): Promise<T[]> {
  const got: T[] = [];
  for (let i = 0; i < n; i++) {
    const m = await q.take({ timeoutMs: 10_000 });
    got.push(m.value);
    await m.ack();
  }
  return got;
}

async function dataOf(client: ZkClient, path: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of (await childrenOf(server, path)).sort()) {
    out.set(name, (await client.getData(`${path}/${name}`)).data);
  }
  return out;
}

test('Curator producers, our consumers: the same names and bytes for plain, putMulti, priority, delay, id and SimpleDistributedQueue', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const [{ client }] = fx.clients;
  const r = (n: string) => fx.root.child(n);
  await using java = JavaQueuePeer.start(server.connectString);
  const due = Date.now() + 300;
  await java.produce('plain', r('plain'), r('locks'), ['j1', 'j2']);
  await java.produce('multi', r('multi'), undefined, ['x', 'yy', 'zzz']);
  await java.produce('priority', r('priority'), undefined, ['p10@10', 'pm5@-5', 'p0@0']);
  await java.produce('delay', r('delay'), undefined, [`later@${due}`, 'old@1']);
  await java.produce('id', r('id'), undefined, ['one@job-1', 'two@a/b|c', 'three@job-1']);
  await java.produce('simple', r('simple'), undefined, ['s1', 's2']);

  assert.deepEqual(
    await dataOf(client, r('plain')),
    new Map([
      ['queue-0000000000', frame('j1')],
      ['queue-0000000001', frame('j2')],
    ]),
  );
  assert.deepEqual(
    await dataOf(client, r('multi')),
    new Map([['queue-0000000000', frame('x', 'yy', 'zzz')]]),
  );
  assert.deepEqual(
    [...(await dataOf(client, r('priority'))).keys()],
    ['queue-0FFFFFFFB0000000001', 'queue-1000000000000000002', 'queue-10000000A0000000000'],
  );
  const dueHex = due.toString(16).toUpperCase();
  assert.deepEqual(
    [...(await dataOf(client, r('delay'))).keys()],
    [`queue-|00000001|0000000001`, `queue-|${dueHex}|0000000000`],
  );
  assert.deepEqual(
    [...(await dataOf(client, r('id'))).keys()],
    ['queue-|a_b_c|0000000001', 'queue-|job-1|0000000000', 'queue-|job-1|0000000002'],
  );
  assert.deepEqual(
    await dataOf(client, r('simple')),
    new Map([
      ['qn-0000000000', Buffer.from('s1')],
      ['qn-0000000001', Buffer.from('s2')],
    ]),
  );

  // Our consumers take them, in Curator's order.
  await using plain = new DistributedQueue(client, r('plain'), {
    ...strings,
    lockPath: r('locks'),
  });
  await plain.start();
  assert.deepEqual(await takeAll(plain, 2), ['j1', 'j2']);
  await using multi = new DistributedQueue(client, r('multi'), strings);
  await multi.start();
  assert.deepEqual(await takeAll(multi, 3), ['x', 'yy', 'zzz']);
  await using priority = new PriorityQueue(client, r('priority'), strings);
  await priority.start();
  assert.deepEqual(await takeAll(priority, 3), ['pm5', 'p0', 'p10']);
  await using ids = new IdQueue(client, r('id'), strings);
  await ids.start();
  assert.equal(await ids.remove('job-1'), 2, "remove(id) finds Curator's items");
  assert.deepEqual(await takeAll(ids, 1), ['two']);
  await using delay = new DelayQueue(client, r('delay'), { ...strings, delivery: 'at-most-once' });
  await delay.start();
  assert.deepEqual(await takeAll(delay, 2), ['old', 'later']);
  assert.ok(Date.now() >= due, 'not before it was due');
  const simple = new SimpleQueue(client, r('simple'), strings);
  assert.equal(await simple.poll(), 's1');
  assert.equal(await simple.take({ timeoutMs: 5000 }), 's2');
});

test('our producers, Curator consumers: Java consumes what we put (lock-safe plain, a requeued item with its count, priority, delay, id, SimpleQueue)', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const [{ client }] = fx.clients;
  const r = (n: string) => fx.root.child(n);
  await using java = JavaQueuePeer.start(server.connectString);

  await using plain = new DistributedQueue(client, r('plain'), {
    ...strings,
    lockPath: r('locks'),
  });
  await plain.start();
  await plain.put('retried');
  // Our consumer fails it once: requeued at the tail with a delivery count after the frame.
  const first = await plain.take({ timeoutMs: 5000 });
  await first.requeue(new Error('once'));
  const [requeued] = [...(await dataOf(client, r('plain'))).values()];
  assert.ok(requeued!.length > frame('retried').length, 'the count follows the frame');
  assert.deepEqual(requeued!.subarray(0, frame('retried').length), frame('retried'));
  await plain.put('a');
  await plain.putMany(['b', 'c']);
  await java.consume('plain', r('plain'), r('locks'));
  await java.waitDone(4);
  await java.stop();
  assert.deepEqual(java.done, ['retried', 'a', 'b', 'c']);
  assert.deepEqual(await childrenOf(server, r('plain')), []);
  assert.deepEqual(await childrenOf(server, r('locks')), []);

  const expect = async (n: number, values: string[]) => {
    await java.waitDone(n + values.length);
    await java.stop();
    assert.deepEqual(java.done.slice(n), values);
  };
  await using priority = new PriorityQueue(client, r('priority'), strings);
  await priority.start();
  for (const [v, p] of [
    ['p3', 3],
    ['pm1', -1],
    ['p0', 0],
  ] as const)
    await priority.put(v, p);
  await java.consume('priority', r('priority'), undefined);
  await expect(4, ['pm1', 'p0', 'p3']);

  await using delay = new DelayQueue(client, r('delay'), strings);
  await delay.start();
  await delay.put('later', Date.now() + 300);
  await delay.put('now', Date.now() - 1000);
  await java.consume('delay', r('delay'), undefined);
  await expect(7, ['now', 'later']);

  await using ids = new IdQueue(client, r('id'), strings);
  await ids.start();
  await ids.put('i1', 'job/1');
  await ids.put('i2', 'job|2');
  await java.consume('id', r('id'), undefined);
  await expect(9, ['i1', 'i2']);

  const simple = new SimpleQueue(client, r('simple'), strings);
  await simple.offer('s1');
  await simple.offer('s2');
  await java.consume('simple', r('simple'), undefined);
  await expect(11, ['s1', 's2']);
});

test('a Java consumer and a TypeScript consumer on one lock-safe queue never both complete an item', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const [{ client }] = fx.clients;
  const path = fx.root.child('shared');
  const lockPath = fx.root.child('shared-locks');
  await using java = JavaQueuePeer.start(server.connectString);
  await using q = new DistributedQueue(client, path, { ...strings, lockPath });
  await q.start();
  const items = Array.from({ length: 60 }, (_, i) => `m${i}`);
  await java.consume('plain', path, lockPath, 15);
  const ours: string[] = [];
  const ac = new AbortController();
  const run = q.consume(
    async (v) => {
      await new Promise((res) => setTimeout(res, 15));
      ours.push(v);
    },
    { concurrency: 2, signal: ac.signal },
  );
  for (const i of items) await q.put(i);
  while (ours.length + java.done.length < items.length) {
    await new Promise((res) => setTimeout(res, 50));
  }
  // Each side deletes an item after its handler returned ("done" is said inside Curator's
  // consumeMessage); stopping Curator's consumer in between interrupts its delete, and the item
  // would stay for redelivery. So the consumers stop once the last deletes are through.
  const until = Date.now() + 10_000;
  while ((await childrenOf(server, path)).length > 0 && Date.now() < until) {
    await new Promise((res) => setTimeout(res, 50));
  }
  ac.abort();
  await run;
  await java.stop();
  const all = [...ours, ...java.done];
  assert.equal(all.length, items.length, 'no item completed twice');
  assert.deepEqual([...all].sort(), [...items].sort(), 'and none lost');
  assert.ok(ours.length > 0 && java.done.length > 0, `both took items (ts ${ours.length})`);
  assert.deepEqual(await childrenOf(server, path), []);
  assert.deepEqual(await childrenOf(server, lockPath), []);
});
