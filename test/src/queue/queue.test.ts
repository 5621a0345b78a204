import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DataTooLargeError,
  IllegalStateError,
  InvalidArgumentError,
  stringSerializer,
} from '@zk-recipes/core';
import {
  CorruptItemError,
  DelayQueue,
  DistributedQueue,
  IdQueue,
  PriorityQueue,
  QueueTimeoutError,
  SimpleQueue,
  type DeadLetter,
} from '@zk-recipes/queue';
import { assertNoLeftoverWatches, childrenOf } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const strings = { serializer: stringSerializer };

function fixture() {
  return proxiedClients(server, { proxy: false });
}

test('put writes Curator bytes: a persistent queue-<seq> node with the item-batch frame; putMany one node', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  const a = await q.put('hello');
  const b = await q.put('');
  const c = await q.putMany(['a', 'bb', 'ccc']);
  assert.deepEqual([a, b, c], ['queue-0000000000', 'queue-0000000001', 'queue-0000000002']);
  const hex = async (n: string) => (await client.getData(`${path}/${n}`)).data.toString('hex');
  assert.equal(await hex(a), '00010001' + '01' + '00000005' + '68656c6c6f' + '02');
  assert.equal(await hex(b), '00010001' + '01' + '00000000' + '02');
  assert.equal(
    await hex(c),
    '00010001' + '0100000001' + '61' + '0100000002' + '6262' + '0100000003' + '636363' + '02',
  );
  const stat = (await client.exists(`${path}/${a}`))!;
  assert.equal(stat.ephemeralOwner, 0n, 'items are persistent');
  assert.equal(await q.depth(), 3);
  assert.ok((await q.oldestItemAgeMs())! >= 0);
  const got: string[] = [];
  for (let i = 0; i < 5; i++) {
    const m = await q.take({ timeoutMs: 5000 });
    got.push(m.value);
    await m.ack();
  }
  assert.deepEqual(got, ['hello', '', 'a', 'bb', 'ccc'], 'FIFO, a batch in order');
  assert.deepEqual(await childrenOf(server, path), []);
  assert.deepEqual(await childrenOf(server, `${path}-locks`), [], 'no lock node left');
  assert.equal(await q.oldestItemAgeMs(), undefined);
});

test('a lock-safe item is held by an ephemeral lockPath/<item name> while processed', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  const lockPath = fx.root.child('locks');
  await using q = new DistributedQueue(client, path, { ...strings, lockPath });
  await q.start();
  const name = await q.put('x');
  const m = await q.take({ timeoutMs: 5000 });
  const lock = (await client.exists(`${lockPath}/${name}`))!;
  assert.equal(lock.ephemeralOwner, client.session!.sessionId);
  const inFlight = await q.inFlight();
  assert.deepEqual(
    inFlight.map((i) => [i.name, i.sessionId]),
    [[name, client.session!.sessionId]],
  );
  await m.ack();
  assert.equal(await client.exists(`${lockPath}/${name}`), null);
  assert.equal(await client.exists(`${path}/${name}`), null);
});

test('foreign children of the queue node are skipped and left alone', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  await client.create(`${path}/not-an-item`, 'x');
  await q.put('one');
  const m = await q.take({ timeoutMs: 5000 });
  assert.equal(m.value, 'one');
  await m.ack();
  await assert.rejects(q.take({ timeoutMs: 300 }), QueueTimeoutError);
  assert.deepEqual(await childrenOf(server, path), ['not-an-item']);
});

test('a handler that throws requeues only the unprocessed rest of a batch, at the tail, with its delivery count', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  await q.putMany(['a', 'b', 'c']);
  await q.put('d');
  const seen: string[] = [];
  let failed = false;
  const ac = new AbortController();
  const run = q.consume(
    (v, m) => {
      seen.push(`${v}:${m.deliveries}`);
      if (v === 'b' && !failed) {
        failed = true;
        throw new Error('boom');
      }
      if (seen.length === 5) ac.abort();
    },
    { signal: ac.signal },
  );
  await run;
  // a is done; b failed, so b and c (not a) go behind d.
  assert.deepEqual(seen, ['a:1', 'b:1', 'd:1', 'b:2', 'c:2']);
  assert.equal(await q.depth(), 0);
});

test('past the retry limit a node goes to the dead-letter path as a plain queue node', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  const deadLetterPath = fx.root.child('dead');
  await using q = new DistributedQueue(client, path, { ...strings, retryLimit: 2, deadLetterPath });
  await q.start();
  const letters: DeadLetter[] = [];
  q.on('deadLetter', (l) => letters.push(l));
  await q.put('poison');
  let calls = 0;
  const ac = new AbortController();
  q.on('deadLetter', () => ac.abort());
  await q.consume(
    () => {
      calls++;
      throw new Error('always');
    },
    { signal: ac.signal },
  );
  assert.equal(calls, 3, 'first delivery plus two requeues');
  assert.equal(letters.length, 1);
  const dead = await childrenOf(server, deadLetterPath);
  assert.equal(dead.length, 1);
  await using dq = new DistributedQueue(client, deadLetterPath, strings);
  await dq.start();
  const m = await dq.take({ timeoutMs: 5000 });
  assert.equal(m.value, 'poison');
  await m.ack();
  assert.equal(await q.depth(), 0);
});

test('a corrupted frame goes to the dead-letter path and is reported; the queue goes on', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  const deadLetterPath = fx.root.child('dead');
  await using q = new DistributedQueue(client, path, { ...strings, deadLetterPath });
  await q.start();
  const errors: unknown[] = [];
  q.on('error', (e) => errors.push(e));
  const bad = Buffer.from('00020001ff', 'hex');
  await client.create(`${path}/queue-`, bad, { mode: 'PERSISTENT_SEQUENTIAL' });
  await client.create(`${path}/queue-`, Buffer.from('0001000101000000', 'hex'), {
    mode: 'PERSISTENT_SEQUENTIAL',
  });
  await q.put('good');
  const m = await q.take({ timeoutMs: 5000 });
  assert.equal(m.value, 'good');
  await m.ack();
  assert.equal(errors.filter((e) => e instanceof CorruptItemError).length, 2);
  const dead = await childrenOf(server, deadLetterPath);
  assert.equal(dead.length, 2);
  const first = (await client.getData(`${deadLetterPath}/${dead.sort()[0]}`)).data;
  assert.deepEqual(first, bad, 'the bytes as they were');
  assert.deepEqual(await childrenOf(server, path), []);
});

test('an item larger than the packet limit is refused before sending with a typed error', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  await assert.rejects(q.put('x'.repeat(2 * 1024 * 1024)), DataTooLargeError);
  assert.equal(await q.depth(), 0);
});

test('bad options and calls before start are typed errors', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  assert.throws(
    () => new DistributedQueue(client, path, { serializer: undefined as never }),
    InvalidArgumentError,
  );
  assert.throws(
    () => new DistributedQueue(client, path, { ...strings, delivery: 'twice' as never }),
    InvalidArgumentError,
  );
  assert.throws(() => new DistributedQueue(client, 'rel', strings), InvalidArgumentError);
  const q = new DistributedQueue(client, path, strings);
  await assert.rejects(q.put('x'), IllegalStateError);
  await assert.rejects(
    (async () => {
      await q.start();
      await q.take({ timeoutMs: -1 });
    })(),
    InvalidArgumentError,
  );
  // consume() with bad options rejects for its caller, and for no one else: the queue's own
  // bookkeeping of the loop once turned the same rejection into an unhandled one, which
  // ends the host process under Node's default policy.
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    await assert.rejects(
      q.consume(() => {}, { concurrency: 0 }),
      InvalidArgumentError,
    );
    await new Promise((r) => setTimeout(r, 50)); // unhandled rejections are told a turn later
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, []);
  await q.close();
  assert.throws(() => new PriorityQueue(client, path, strings).put('x', 1.5), InvalidArgumentError);
});

test('maxItems: put waits while the queue is full, and times out with QueueTimeoutError', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  await using q = new DistributedQueue(client, path, { ...strings, maxItems: 2 });
  await q.start();
  await q.put('1');
  await q.put('2');
  await assert.rejects(q.put('3', { timeoutMs: 200 }), QueueTimeoutError);
  const waiting = q.put('3');
  let done = false;
  void waiting.then(() => (done = true));
  await delay(200);
  assert.equal(done, false, 'still waiting while full');
  const m = await q.take({ timeoutMs: 5000 });
  await m.ack();
  assert.match(await waiting, /^queue-/);
  assert.equal(await q.depth(), 2);
});

test('messages(): an unsettled message is acknowledged by the next turn, given back by a break', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  for (const v of ['a', 'b', 'c']) await q.put(v);
  const seen: string[] = [];
  for await (const m of q.messages()) {
    seen.push(m.value);
    if (m.value === 'b') break;
  }
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(await q.depth(), 2, 'a acknowledged; b given back');
  const again = await q.take({ timeoutMs: 5000 });
  assert.equal(again.value, 'b');
  assert.equal(again.deliveries, 1, 'a given-back item is not a failure');
  await again.ack();
});

test('priority, delay and id queues use Curator names and order', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const root = fx.root;
  await using pq = new PriorityQueue(client, root.child('p'), strings);
  await pq.start();
  const names: string[] = [];
  for (const p of [10, -5, 0, 2147483647, -2147483648, 1]) names.push(await pq.put(`p${p}`, p));
  assert.deepEqual(names, [
    'queue-10000000A0000000000',
    'queue-0FFFFFFFB0000000001',
    'queue-1000000000000000002',
    'queue-17FFFFFFF0000000003',
    'queue-0800000000000000004',
    'queue-1000000010000000005',
  ]);
  const order: string[] = [];
  for (let i = 0; i < 6; i++) {
    const m = await pq.take({ timeoutMs: 5000 });
    order.push(m.value);
    await m.ack();
  }
  assert.deepEqual(order, ['p-2147483648', 'p-5', 'p0', 'p1', 'p10', 'p2147483647']);

  await using dq = new DelayQueue(client, root.child('d'), strings);
  await dq.start();
  const now = Date.now();
  const late = await dq.put('later', now + 600);
  assert.equal(late, `queue-|${(now + 600).toString(16).toUpperCase()}|0000000000`);
  assert.equal(await dq.put('old', 1), 'queue-|00000001|0000000001');
  await dq.put('soon', now + 300);
  const due: string[] = [];
  for (let i = 0; i < 3; i++) {
    const m = await dq.take({ timeoutMs: 5000 });
    due.push(m.value);
    if (m.value !== 'old') assert.ok(Date.now() >= now + (m.value === 'soon' ? 300 : 600));
    await m.ack();
  }
  assert.deepEqual(due, ['old', 'soon', 'later']);

  await using iq = new IdQueue(client, root.child('i'), strings);
  await iq.start();
  assert.equal(await iq.put('one', 'job-1'), 'queue-|job-1|0000000000');
  assert.equal(await iq.put('two', 'a/b|c'), 'queue-|a_b_c|0000000001');
  await iq.put('three', 'job-1');
  assert.equal(await iq.remove('job-1'), 2);
  const m = await iq.take({ timeoutMs: 5000 });
  assert.equal(m.value, 'two');
  await m.ack();
});

test('SimpleQueue: qn- items with the raw bytes under a container, taken in order', async () => {
  await using fx = await fixture();
  const [{ client }] = fx.clients;
  const path = fx.root.child('simple');
  const q = new SimpleQueue(client, path);
  assert.equal(await q.offer(Buffer.from('x')), 'qn-0000000000');
  await q.offer(Buffer.from('y'));
  assert.deepEqual((await client.getData(`${path}/qn-0000000000`)).data, Buffer.from('x'));
  assert.deepEqual(await q.peek(), Buffer.from('x'));
  assert.deepEqual(await q.poll(), Buffer.from('x'));
  assert.deepEqual(await q.take({ timeoutMs: 1000 }), Buffer.from('y'));
  assert.equal(await q.poll(), undefined);
  const later = q.take({ timeoutMs: 5000 });
  await delay(100);
  await q.offer(Buffer.from('z'));
  assert.deepEqual(await later, Buffer.from('z'));
  await assert.rejects(q.take({ timeoutMs: 100 }), QueueTimeoutError);
});

test('close leaves no lock node and no watch, and gives back what it held', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const [{ client }, { client: other }] = fx.clients;
  const path = fx.root.child('q');
  const q = new DistributedQueue(client, path, strings);
  await q.start();
  for (const v of ['a', 'b', 'c']) await q.put(v);
  const held = await q.take({ timeoutMs: 5000 });
  assert.equal(held.value, 'a');
  const ac = new AbortController();
  let started!: () => void;
  const inHandler = new Promise<void>((r) => (started = r));
  const run = q.consume(async (_v, _m, signal) => {
    started();
    await new Promise((_r, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason as Error)),
    );
  });
  await inHandler;
  await q.close();
  await run;
  ac.abort();
  assert.deepEqual(await childrenOf(server, `${path}-locks`), []);
  assert.equal((await childrenOf(server, path)).length, 3, 'a and b given back, c untouched');
  await assertNoLeftoverWatches(server, { sessionId: client.session!.sessionId });
  // Another consumer takes them at once.
  await using q2 = new DistributedQueue(other, path, strings);
  await q2.start();
  const m = await q2.take({ timeoutMs: 5000 });
  assert.equal(m.value, 'a');
  await m.ack();
});
