import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { setImmediate as tick } from 'node:timers/promises';
import { test } from 'node:test';
import { InvalidArgumentError } from '@zk-recipes/core';
import { MAX_LOCAL_HANDOFFS, Mutex, withLock, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  timing,
} from '@zk-recipes/testing';
import { assertNoChildWatch, holderWatches, requests } from '../support/handoff-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

const low = (token: bigint) => token & 0xffffn;

test('a release hands the node to the next local waiter, with no request to the server', async () => {
  await using fx = await proxiedClients(server);
  const { root, proxy } = fx;
  const [local] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path);
  const first = await mutex.acquire();
  const { stat } = await local.client.getData(first.nodePath);
  assert.equal(first.fencingToken, stat.czxid * 65536n, 'czxid * 2^16 for a first grant');
  const lists = proxy.requestCount('getChildren2');
  const second = mutex.acquire();
  const third = mutex.acquire();
  await holderWatches(proxy, lists);
  const before = requests(proxy);
  await first.release();
  const b = await second;
  await b.release();
  const c = await third;
  assert.equal(requests(proxy) - before, 0, 'two hand-offs, no request');
  assert.deepEqual([b.nodePath, c.nodePath], [first.nodePath, first.nodePath]);
  assert.deepEqual(
    [b.fencingToken, c.fencingToken],
    [first.fencingToken + 1n, first.fencingToken + 2n],
  );
  assert.deepEqual([first.signal.aborted, b.signal.aborted, c.signal.aborted], [true, true, false]);
  await c.release();
  assert.ok(requests(proxy) - before > 0, 'the last release deletes the node');
  await assertNoChildWatch(local.client, path);
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('fencing tokens rise strictly in grant order across hand-offs and other processes', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [busy, other] = fx.clients;
  const path = root.child('lock');
  const grants: { token: bigint; node: string; who: string }[] = [];
  let inside = 0;
  let most = 0;
  const body = (who: string) => async (lease: Lease) => {
    most = Math.max(most, ++inside);
    grants.push({ token: lease.fencingToken, node: lease.nodePath, who });
    await tick();
    inside--;
  };
  const busyLoop = async () => {
    for (let i = 0; i < 40; i++)
      await withLock(busy.client, path, body('busy'), { maxLocalHandoffs: 8 });
  };
  const otherLoop = async () => {
    for (let i = 0; i < 8; i++) {
      await timing.sleep(10); // comes and goes: the busy process hands off while it is away
      await withLock(other.client, path, body('other'));
    }
  };
  await Promise.all([...Array.from({ length: 6 }, busyLoop), otherLoop()]);
  assert.equal(grants.length, 6 * 40 + 8);
  assert.equal(most, 1, 'never two holders');
  for (let i = 1; i < grants.length; i++) {
    assert.ok(grants[i]!.token > grants[i - 1]!.token, `token ${i} rises`);
  }
  const handedOver = grants.filter((g) => low(g.token) > 0n);
  assert.ok(handedOver.length > 0, 'some grants were hand-offs');
  assert.ok(handedOver.every((g) => low(g.token) <= 8n && g.who === 'busy'));
  await assertNoChildWatch(busy.client, path);
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('a waiter in another process waits for at most maxLocalHandoffs + 1 local holders, however late the watch', async (t) => {
  await using fx = await proxiedClients(server, { clients: [{}, { direct: true }] });
  const { root, proxy } = fx;
  const [local, remote] = fx.clients;
  const path = root.child('lock');
  const cap = 5;
  let localGrants = 0;
  let stop = false;
  const loops = Array.from({ length: 4 }, async () => {
    while (!stop) {
      await withLock(
        local.client,
        path,
        async () => {
          localGrants++;
          await timing.sleep(20);
        },
        { maxLocalHandoffs: cap },
      );
    }
  });
  await timing.waitFor(() => localGrants > 2 * (cap + 1), { message: 'local grants' });
  // Replies and events now take 300 ms to reach the local process, but a hand-off needs none:
  // only the cap stops hand-offs before the watch event about the remote waiter arrives.
  proxy.setLatency(timing.ms(300));
  const created = new Map<string, number>();
  let handedOff!: () => void;
  const handOff = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no hand-off seen')), timing.ms(10_000));
    handedOff = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  const onRecipe = (m: unknown) => {
    const e = m as { recipe: string; event: string; path: string };
    if (e.recipe === 'contender' && e.event === 'created') created.set(e.path, localGrants);
    // A hand-off: the node's listing came back showing it alone, its watch is set.
    if (e.recipe === 'mutex' && e.event === 'handoff') handedOff();
  };
  diagnostics.subscribe('zk-recipes:recipe', onRecipe);
  let lease: Lease;
  try {
    await handOff; // join while a local node is being handed round
    lease = await new Mutex(remote.client, path).acquire();
  } finally {
    diagnostics.unsubscribe('zk-recipes:recipe', onRecipe);
  }
  const whileWaiting = localGrants - created.get(lease.nodePath)!;
  stop = true;
  await lease.release();
  proxy.setLatency(0);
  await Promise.all(loops);
  t.diagnostic(`local grants while the remote node existed: ${whileWaiting} (cap ${cap})`);
  assert.ok(
    whileWaiting <= cap + 1,
    `${whileWaiting} local grants went ahead of the remote waiter`,
  );
  await assertNoChildWatch(local.client, path);
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test("another process's contender ends hand-offs: the next local waiter queues behind it", async () => {
  await using fx = await proxiedClients(server, { clients: [{}, { direct: true }] });
  const { root, proxy } = fx;
  const [local, remote] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path);
  const first = await mutex.acquire();
  const order: string[] = [];
  const lists = proxy.requestCount('getChildren2');
  const second = mutex.acquire().then((l) => (order.push('local'), l));
  await holderWatches(proxy, lists);
  const joined = new Mutex(remote.client, path).acquire().then((l) => (order.push('remote'), l));
  await timing.waitFor(async () => (await childrenOf(server, path)).length === 2);
  await timing.sleep(200); // time for the children watch event to reach the holder
  await first.release();
  await timing.waitFor(() => order.length > 0, { message: 'a grant' });
  assert.deepEqual(order, ['remote'], 'the remote waiter goes first');
  const r = await joined;
  await r.release();
  const s = await second;
  assert.notEqual(s.nodePath, first.nodePath, 'a new node, behind the remote one');
  assert.ok(first.fencingToken < r.fencingToken && r.fencingToken < s.fencingToken);
  await s.release();
  await assertNoChildWatch(local.client, path);
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('no hand-off while a contender of another process is already in line', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [local, remote] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path);
  const first = await mutex.acquire();
  const order: string[] = [];
  const joined = new Mutex(remote.client, path).acquire().then((l) => (order.push('remote'), l));
  await timing.waitFor(async () => (await childrenOf(server, path)).length === 2);
  const second = mutex.acquire().then((l) => (order.push('local'), l)); // its listing shows both
  await first.release();
  await timing.waitFor(() => order.length > 0, { message: 'a grant' });
  assert.deepEqual(order, ['remote']);
  await (await joined).release();
  const s = await second;
  assert.notEqual(s.nodePath, first.nodePath);
  await s.release();
  await assertNoChildWatch(local.client, path);
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('maxLocalHandoffs is validated; 0 turns hand-offs off', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [local] = fx.clients;
  const path = root.child('lock');
  for (const bad of [-1, 1.5, MAX_LOCAL_HANDOFFS + 1, '3', Number.NaN]) {
    assert.throws(
      () => new Mutex(local.client, path, { maxLocalHandoffs: bad as number }),
      (e: unknown) => e instanceof InvalidArgumentError && e.field === 'maxLocalHandoffs',
    );
  }
  const mutex = new Mutex(local.client, path, { maxLocalHandoffs: 0 });
  const first = await mutex.acquire();
  const second = mutex.acquire();
  await first.release();
  const s = await second;
  assert.notEqual(s.nodePath, first.nodePath);
  assert.equal(low(s.fencingToken), 0n);
  await s.release();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});
