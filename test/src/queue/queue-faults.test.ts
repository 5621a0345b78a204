// Single-process faults: a consumer's session expiring while it holds an item (Curator's
// CURATOR-605 and its stuck item), connections cut under consumers (FaultProxy), the queue node
// deleted under running consumers, a take while a lost session is being replaced.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringSerializer } from '@zk-recipes/core';
import { requestSessionId } from '@zk-recipes/core/recipe';
import { ClaimLostError, DistributedQueue, QueueNodeVanishedError } from '@zk-recipes/queue';
import { assertNoLeftoverWatches, childrenOf, expireSession, timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';
import { untilState } from '../support/shutdown.js';

const server = sharedServer({ tickTimeMs: 200 });
const strings = { serializer: stringSerializer };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('CURATOR-605: an item whose consumer lost its session is taken by another at once, without a new put, and the old ack is refused', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ direct: true, sessionTimeoutMs: 20_000 }, { direct: true }],
    proxy: false,
  });
  const [{ client: a }, { client: b }] = fx.clients;
  const path = fx.root.child('q');
  await using qa = new DistributedQueue(a, path, strings);
  await using qb = new DistributedQueue(b, path, strings);
  await qa.start();
  await qb.start();
  await qa.put('job1');
  const held = await qa.take({ timeoutMs: 5000 });
  const completed: string[] = [];
  const ac = new AbortController();
  // B waits: the item is locked. Curator's consumer would wait here for the next put.
  const run = qb.consume((v) => void completed.push(`b:${v}`), { signal: ac.signal });
  await sleep(300);
  assert.deepEqual(completed, [], 'B does not take a locked item');
  await expireSession(a, server);
  // A's lock node went with its session: B's watch on the lock path wakes it.
  while (completed.length === 0) await sleep(20);
  assert.deepEqual(completed, ['b:job1']);
  // A finishes late: its ack must not complete the item a second time.
  await assert.rejects(held.ack(), ClaimLostError);
  ac.abort();
  await run;
  assert.deepEqual(await childrenOf(server, path), []);
  assert.deepEqual(await childrenOf(server, `${path}-locks`), []);
});

for (const delivery of ['at-least-once', 'at-most-once'] as const) {
  test(`${delivery}: connections cut under two consumers lose nothing and deliver nothing twice (the sessions survive)`, async () => {
    await using fx = await proxiedClients(server, {
      clients: [{ sessionTimeoutMs: 10_000 }, { sessionTimeoutMs: 10_000 }, { direct: true }],
    });
    const [{ client: c1 }, { client: c2 }, { client: producer }] = fx.clients;
    const path = fx.root.child('q');
    await using p = new DistributedQueue(producer, path, strings);
    await using q1 = new DistributedQueue(c1, path, { ...strings, delivery });
    await using q2 = new DistributedQueue(c2, path, { ...strings, delivery });
    for (const q of [p, q1, q2]) await q.start();
    const errors: unknown[] = [];
    for (const q of [q1, q2]) q.on('error', (e) => errors.push(e));
    const items = Array.from({ length: 150 }, (_, i) => `i${i}`);
    const delivered = new Map<string, number>();
    const ac = new AbortController();
    const handler = async (v: string) => {
      delivered.set(v, (delivered.get(v) ?? 0) + 1);
      await sleep(2);
    };
    const runs = [q1, q2].map((q) => q.consume(handler, { concurrency: 3, signal: ac.signal }));
    for (const [i, item] of items.entries()) {
      await p.put(item);
      if (i % 40 === 20) fx.proxy.closeAll(); // both consumers' connections, mid-stream
    }
    while ((await p.depth()) > 0 || (await childrenOf(server, `${path}-locks`)).length > 0) {
      await sleep(50);
    }
    ac.abort();
    await Promise.all(runs);
    const twice = [...delivered].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'nothing delivered twice');
    const unknown = errors.filter((e) => e instanceof ClaimLostError).length;
    const missing = items.filter((i) => !delivered.has(i));
    if (delivery === 'at-least-once') assert.deepEqual(missing, [], 'nothing lost');
    // At most once, a delete whose reply was cut is reported and its item not delivered.
    else assert.ok(missing.length <= unknown, `${missing.length} lost, ${unknown} reported`);
  });
}

test('the queue node deleted under a running consumer is made again as a persistent node and reported', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const [{ client }, { client: other }] = fx.clients;
  const path = fx.root.child('q');
  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  const errors: unknown[] = [];
  q.on('error', (e) => errors.push(e));
  const got: string[] = [];
  const ac = new AbortController();
  const run = q.consume((v) => void got.push(v), { signal: ac.signal });
  await q.put('before');
  while (got.length < 1) await sleep(20);
  await other.delete(path); // as the server reaps an empty container
  while (!errors.some((e) => e instanceof QueueNodeVanishedError)) await sleep(20);
  const stat = await other.exists(path);
  assert.ok(stat, 'made again');
  await q.put('after');
  while (got.length < 2) await sleep(20);
  assert.deepEqual(got, ['before', 'after']);
  ac.abort();
  await run;
  await q.close();
  await assertNoLeftoverWatches(server, { sessionId: client.session!.sessionId });
});

test('one consumer draining a deep queue lists it a few times, not once per item (Curator lists after every item)', async () => {
  await using fx = await proxiedClients(server, { clients: [{}, { direct: true }] });
  const [{ client }, { client: producer }] = fx.clients;
  const path = fx.root.child('q');
  await using p = new DistributedQueue(producer, path, strings);
  await p.start();
  for (let i = 0; i < 200; i++) await p.putMany([`i${i}`]);
  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  const before = fx.proxy.requestCount('getChildren');
  let n = 0;
  const ac = new AbortController();
  await q.consume(() => void (++n === 200 && ac.abort()), { signal: ac.signal });
  const listings = fx.proxy.requestCount('getChildren') - before;
  assert.equal(n, 200);
  assert.ok(listings <= 10, `${listings} listings for 200 items`);
});

test('a session that expires with claims, reads, acks and a put in flight leaves no unhandled rejection; the consumer goes on in a new session and nothing is lost', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    await using fx = await proxiedClients(server, {
      clients: [{ sessionTimeoutMs: 1000 }, { direct: true }],
    });
    const [{ client }, { client: producer }] = fx.clients;
    const path = fx.root.child('q');
    await using p = new DistributedQueue(producer, path, strings);
    await p.start();
    const items = Array.from({ length: 60 }, (_, i) => `i${i}`);
    for (const item of items) await p.put(item);
    await using q = new DistributedQueue(client, path, strings);
    await q.start();
    q.on('error', () => undefined); // ClaimLostError and the expiry's errors, reported
    const lost = new Promise<void>((resolve) => {
      const stop = client.onStateChange(({ state }) => {
        if (state !== 'LOST') return;
        stop();
        resolve();
      });
    });
    const delivered = new Set<string>();
    const ac = new AbortController();
    const run = q.consume(
      async (v) => {
        delivered.add(v);
        await sleep(10);
      },
      { concurrency: 3, signal: ac.signal },
    );
    const it = q.messages({ signal: ac.signal });
    while (delivered.size < 10) await sleep(5);
    // Every request written from here on waits for a reply that never comes; the session ends
    // on the client's side (failAll) with all of them pending.
    fx.proxy.partition();
    const put = q.put('during').then(
      () => 'put',
      (e: unknown) => e,
    );
    const taken = it.next().then(
      () => 'next',
      (e: unknown) => e,
    );
    await lost;
    fx.proxy.heal();
    assert.ok((await put) instanceof Error, 'the put in flight rejects (with a typed error)');
    await taken; // resolves or rejects, but someone hears it
    await it.return!();
    const left = new Set(items);
    while (left.size > 0) {
      for (const v of delivered) left.delete(v);
      await sleep(20);
    }
    while ((await p.depth()) > 0 || (await childrenOf(server, `${path}-locks`)).length > 0) {
      await sleep(20);
    }
    ac.abort();
    await run;
  } finally {
    // A rejection nobody hears is reported on a later turn: give it one.
    await sleep(50);
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, [], 'no promise rejected with nobody listening');
});

test('a claim whose reply is lost is recognised as ours on the same session: the item is processed once and no lock node is left', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 10_000 }, { direct: true }],
  });
  const [{ client }, { client: producer }] = fx.clients;
  const path = fx.root.child('q');
  await using p = new DistributedQueue(producer, path, strings);
  await p.start();
  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  q.on('error', () => undefined);
  const sessionId = client.session!.sessionId;
  // The consumer's first multi, its claim, reaches the server; its reply is dropped and the
  // connection closed: the lock node is ours, but the consumer never heard so.
  const dropped = fx.proxy.dropNextReply({ op: 'multi' });
  await p.put('job');
  const got: string[] = [];
  const ac = new AbortController();
  const run = q.consume((v) => void got.push(v), { signal: ac.signal });
  await dropped;
  while ((await p.depth()) > 0 || (await childrenOf(server, `${path}-locks`)).length > 0) {
    await sleep(20);
  }
  assert.deepEqual(got, ['job'], 'processed once, in the same session');
  assert.equal(client.session!.sessionId, sessionId);
  ac.abort();
  await run;
});

test('start() goes on in the new session when the session expires while it makes the queue nodes', async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 1000 }] });
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  const lost = new Promise<void>((resolve) => {
    const stop = client.onStateChange(({ state }) => {
      if (state !== 'LOST') return;
      stop();
      resolve();
    });
  });
  fx.proxy.partition();
  await using q = new DistributedQueue(client, path, strings);
  const started = q.start();
  await lost; // the creates in flight end with SessionExpiredError
  fx.proxy.heal();
  await started;
  assert.ok(await client.exists(path), 'the queue node is made in the new session');
  assert.ok(await client.exists(`${path}-locks`), 'and its lock path');
  await q.put('after');
  assert.equal((await q.take({ timeoutMs: 5000 })).value, 'after');
});

test('an item taken while the lost session is being replaced is claimed on the new session and delivered: not left locked by our own live session (a 4-process fault run stalled so)', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 1000 }, { direct: true }],
  });
  const [{ client }, { client: producer }] = fx.clients;
  const path = fx.root.child('q');
  await using p = new DistributedQueue(producer, path, strings);
  await p.start();
  await using q = new DistributedQueue(client, path, strings);
  q.on('error', () => undefined); // requests failing while the server is unreachable
  await q.start();
  await p.put('a');
  await p.put('b');
  const first = await q.take({ timeoutMs: timing.ms(5000) });
  await first.ack(); // the listing now knows 'b': it is picked with no request sent
  const lost = client.session!.sessionId;
  fx.proxy.rejectConnections();
  await untilState(client, 'LOST');
  // LOST, and the new session not made yet: `client.session` still names the lost one, while
  // requests wait for the new one (the kit's requestSessionId says so). The take picks 'b'
  // from what it knows.
  assert.equal(client.session!.sessionId, lost);
  assert.equal(requestSessionId(client), undefined);
  const taking = q.take({ timeoutMs: timing.ms(8000) });
  await sleep(100);
  fx.proxy.heal();
  const second = await taking;
  assert.equal(second.value, 'b');
  const now = client.session!.sessionId;
  assert.notEqual(now, lost);
  const lock = await producer.exists(`${path}-locks/${second.name}`);
  assert.equal(lock?.ephemeralOwner, now, 'its lock node is of the new session');
  await second.ack();
  assert.equal(await p.depth(), 0);
  assert.deepEqual(await childrenOf(server, `${path}-locks`), [], 'no lock node left');
});
