// With ZooKeeper gone, a queue's close() returns within the documented release bound
// (RELEASE_BOUND_MS) whatever the queue did before (consumed, has a messages() iterator
// waiting, holds a taken item): it used to wait 4-8 s for the removal of its watches and for
// a listing in flight. consume() settles as soon as its signal aborts (its handlers done),
// instead of waiting ~25 s for a listing's retries. What close could not do (delete a lock
// node, remove a watch) is done once the server is back, or goes with the session.
// Paths that would make items silently untakeable are refused before anything is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError, stringSerializer, type ZkClient } from '@zk-recipes/core';
import { DistributedQueue, IdQueue, SimpleQueue } from '@zk-recipes/queue';
import { childrenOf, timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';
import { returnsWithinBound, untilState } from '../support/shutdown.js';

const server = sharedServer({ tickTimeMs: 200 });
const strings = { serializer: stringSerializer };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the queue did before ZooKeeper went; each leaves a listing (and maybe an item) held. */
const BEFORE_THE_OUTAGE = {
  'after consume() processed an item': async (q: DistributedQueue<string>) => {
    const ac = new AbortController();
    const got: string[] = [];
    const run = q.consume((v) => void got.push(v), { signal: ac.signal });
    await timing.waitFor(() => got.length === 1, { message: 'the item consumed' });
    return async () => {
      ac.abort();
      await run;
    };
  },
  'with a messages() iterator waiting': async (q: DistributedQueue<string>) => {
    const first = await q.take({ timeoutMs: 5000 });
    await first.ack();
    const it = q.messages();
    const pending = it.next();
    await sleep(100);
    return async () => {
      assert.deepEqual(await pending, { done: true, value: undefined }, 'it ends with close');
    };
  },
  'after a take (the item held)': async (q: DistributedQueue<string>) => {
    const held = await q.take({ timeoutMs: 5000 });
    assert.equal(held.value, 'a');
    return () => Promise.resolve();
  },
};

for (const [what, before] of Object.entries(BEFORE_THE_OUTAGE)) {
  test(`close() ${what} returns within the release bound with ZooKeeper gone; the lock node goes once it is back`, async () => {
    await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
    const [{ client }] = fx.clients;
    const path = fx.root.child('q');
    const q = new DistributedQueue(client, path, strings);
    q.on('error', () => undefined); // requests failing while ZooKeeper is gone
    await q.start();
    await q.put('a');
    const after = await before(q);
    fx.proxy.rejectConnections();
    await untilState(client, 'SUSPENDED');
    await returnsWithinBound('close()', () => q.close());
    await after();
    fx.proxy.heal();
    await untilState(client, 'RECONNECTED');
    // The lock node of a held item is deleted by the background job, on the same session.
    await timing.waitFor(async () => (await childrenOf(server, `${path}-locks`)).length === 0, {
      message: 'no lock node left',
    });
  });
}

test('consume() settles promptly when its signal aborts during an outage, and close() after it', async () => {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const [{ client }] = fx.clients;
  const q = new DistributedQueue(client, fx.root.child('q'), strings);
  q.on('error', () => undefined);
  await q.start();
  fx.proxy.rejectConnections();
  await untilState(client, 'SUSPENDED');
  // Its first listing goes out now, with no server to answer it.
  const ac = new AbortController();
  const run = q.consume(() => assert.fail('no item'), { signal: ac.signal });
  await sleep(300);
  ac.abort();
  await returnsWithinBound('consume() after its abort', () => run);
  await returnsWithinBound('close()', () => q.close());
  fx.proxy.heal();
  await untilState(client, 'RECONNECTED');
});

test('consume() settles promptly when its signal aborts after the session was lost in an outage', async () => {
  // A short session: the client finds it lost while ZooKeeper is gone, which fires the
  // listing's watches, and the consumer lists again with no server to answer.
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 800 } });
  const [{ client }] = fx.clients;
  const q = new DistributedQueue(client, fx.root.child('q'), strings);
  q.on('error', () => undefined);
  await q.start();
  await q.put('a');
  const ac = new AbortController();
  const got: string[] = [];
  const run = q.consume((v) => void got.push(v), { signal: ac.signal });
  await timing.waitFor(() => got.length === 1, { message: 'the item consumed' });
  fx.proxy.rejectConnections();
  await untilState(client, 'LOST');
  await sleep(300);
  ac.abort();
  await returnsWithinBound('consume() after its abort', () => run);
  await returnsWithinBound('close()', () => q.close());
  fx.proxy.heal();
});

test('paths that would make items untakeable, a missing client and a bad signal are refused with InvalidArgumentError before anything is sent', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const [{ client }] = fx.clients;
  const path = fx.root.child('q');
  const refused = (options: Record<string, unknown>, p = path, c: unknown = client) =>
    assert.throws(
      () => new DistributedQueue(c as ZkClient, p, { ...strings, ...options }),
      InvalidArgumentError,
      JSON.stringify({ p, ...options }),
    );
  refused({ lockPath: path });
  refused({ lockPath: `${path}/locks` });
  refused({ lockPath: fx.root.path }); // the queue under its lock path
  refused({ deadLetterPath: path });
  refused({ deadLetterPath: `${path}-locks` }); // the default lock path
  refused({ lockPath: `${path}-l`, deadLetterPath: `${path}-l` });
  refused({}, `${path}/`);
  refused({ lockPath: `${path}-l/` });
  refused({ deadLetterPath: `${path}-d/` });
  refused({ deadLetterPath: '/' });
  refused({}, '/');
  refused({}, path, null);
  refused({}, path, {});
  assert.throws(() => new IdQueue(null as never, path, strings), InvalidArgumentError);
  assert.throws(() => new SimpleQueue(client, `${path}/`), InvalidArgumentError);
  assert.throws(() => new SimpleQueue(null as never, path), InvalidArgumentError);
  // Apart, the same names are fine (a dead-letter queue under the queue node is a foreign child).
  new DistributedQueue(client, path, { ...strings, deadLetterPath: `${path}/dead` });

  await using q = new DistributedQueue(client, path, strings);
  await q.start();
  const notASignal = { signal: {} as AbortSignal };
  await assert.rejects(q.take({ ...notASignal, timeoutMs: 100 }), InvalidArgumentError);
  await assert.rejects(q.put('x', notASignal), InvalidArgumentError);
  assert.throws(() => q.messages(notASignal), InvalidArgumentError);
  await assert.rejects(
    q.consume(() => undefined, notASignal),
    InvalidArgumentError,
  );
  assert.deepEqual(await childrenOf(server, path), [], 'nothing was put');
});
