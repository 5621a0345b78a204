// The checker: a TreeCache against the server's tree after every kind of fault (connection
// cut, silent partition, session expiry, a member of a 3-server ensemble killed and
// restarted). Once the cache is connected and quiet it equals the server, and its events,
// applied in order from nothing, give that same state (no missed final state, no phantom).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { test, type TestContext } from 'node:test';
import { TreeCache, type CacheEvent } from '@zk-recipes/cache';
import type { ZkClient } from '@zk-recipes/core';
import { expireSession, TestingCluster, TestRoot, type FaultProxy } from '@zk-recipes/testing';
import { cacheTree, eventually, replay, serverTree, sorted } from '../support/cache-helpers.js';
import { startedClient } from '../support/core-helpers.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const SESSION_MS = 3000;
const READS = ['getData', 'exists', 'getChildren', 'getChildren2', 'multiRead'] as const;

/** Some writes of every kind under `base`: data changes, new nodes and subtrees, deletions. */
async function churn(writer: ZkClient, base: string, round: number): Promise<void> {
  const tree = [...(await serverTree(writer, base)).keys()].filter((p) => p !== base).sort();
  for (const [i, p] of tree.entries()) {
    if (i % 3 === 0) await writer.setData(p, `r${round}-${i}`);
  }
  const victim = tree[round % tree.length];
  if (victim) await writer.delete(victim, { deleteChildren: true });
  await writer.create(`${base}/n${round}`, `new-${round}`);
  await writer.create(`${base}/n${round}/k`, `kid-${round}`);
  await writer.create(`${base}/n${round}/k/g`, `grandkid-${round}`);
}

class Watched {
  readonly events: CacheEvent[] = [];
  readonly states: string[] = [];
  constructor(
    readonly cache: TreeCache,
    client: ZkClient,
  ) {
    cache.on('event', (e) => this.events.push(e));
    client.onStateChange((c) => this.states.push(c.state));
  }

  /** Waits for the cache to be connected and no longer stale, then compares both ways. */
  async check(t: TestContext, writer: ZkClient, base: string, what: string): Promise<void> {
    await eventually(`${what}: resynced`, () => !this.cache.isStale(), 20_000);
    // The writer's last writes were acknowledged by its server; the cache hears of them from its
    // own, which in an ensemble may apply them later (and on a loaded machine did, once). Quiet
    // means caught up: the comparison waits for that, within a bound, and then shows any
    // difference left, as a lost notification would leave one.
    let want = await serverTree(writer, base);
    const until = Date.now() + 10_000;
    while (
      !isDeepStrictEqual(sorted(cacheTree(this.cache.nodes())), sorted(want)) &&
      Date.now() < until
    ) {
      await sleep(50);
      want = await serverTree(writer, base);
    }
    assert.deepEqual(sorted(cacheTree(this.cache.nodes())), sorted(want), `${what}: cache`);
    assert.deepEqual(sorted(replay(this.events)), sorted(want), `${what}: replayed events`);
    t.diagnostic(`${what}: ${want.size} nodes equal`);
  }
}

async function seed(writer: ZkClient, base: string): Promise<void> {
  await writer.create(base, 'base');
  for (let i = 0; i < 8; i++) {
    await writer.create(`${base}/c${i}`, `c${i}`);
    for (let j = 0; j < 3; j++) await writer.create(`${base}/c${i}/d${j}`, `d${j}`);
  }
}

async function suspended(w: Watched, proxy: FaultProxy, fault: () => void | Promise<void>) {
  const before = w.states.length;
  await fault();
  await eventually('SUSPENDED', () => w.states.slice(before).includes('SUSPENDED'), 20_000);
  void proxy;
}

test('TreeCache equals the server after a connection cut, a silent partition and a session expiry; its events replay to the same state', async (t) => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: SESSION_MS }, { direct: true }],
  });
  const [{ client }, { client: writer }] = fx.clients;
  const { proxy } = fx;
  const base = fx.root.child('faults');
  await seed(writer, base);
  await using cache = new TreeCache(client, base);
  const w = new Watched(cache, client);
  await cache.start();
  await cache.ready({ timeoutMs: 20_000 });
  await w.check(t, writer, base, 'initial load');

  // Connection cut: the connections are closed and refused while the writer works.
  await suspended(w, proxy, () => proxy.rejectConnections());
  await churn(writer, base, 1);
  proxy.heal();
  await w.check(t, writer, base, 'connection cut');

  // Silent partition: no byte passes, nothing is closed; healed before the session ends.
  await suspended(w, proxy, () => proxy.partition());
  await churn(writer, base, 2);
  proxy.heal();
  await w.check(t, writer, base, 'silent partition');

  // Session expiry while cut off: a new session, whose watch and rebuild start from nothing.
  await suspended(w, proxy, () => proxy.rejectConnections());
  await expireSession(client, server);
  await churn(writer, base, 3);
  proxy.heal();
  await eventually('a new session', () => w.states.includes('LOST'), 20_000);
  await w.check(t, writer, base, 'session expiry');

  // Live changes once quiet again.
  await churn(writer, base, 4);
  await eventually('live changes', () => cache.get(`${base}/n4/k/g`) !== undefined);
  await w.check(t, writer, base, 'quiet');
  const stale = w.events.filter((e) => e.type === 'stale').length;
  const resynced = w.events.filter((e) => e.type === 'resynced').length;
  assert.ok(stale >= 3, `stale after each fault (${stale})`);
  assert.equal(resynced, 3, 'one resynced after each fault');
  assert.equal(w.events.filter((e) => e.type === 'initialized').length, 1);
});

test('TreeCache equals the server after the member it is connected to, and then the leader, are killed and restarted', async (t) => {
  await using cluster = await TestingCluster.start({ size: 3, tickTimeMs: 200 });
  await using root = await TestRoot.create(cluster);
  await using a = await startedClient({
    connectString: cluster.connectString,
    sessionTimeoutMs: 6000,
  });
  await using b = await startedClient({ connectString: cluster.connectString });
  const client = a.client;
  const writer = b.client;
  const base = root.child('ensemble');
  await seed(writer, base);
  await using cache = new TreeCache(client, base);
  const w = new Watched(cache, client);
  await cache.start();
  await cache.ready({ timeoutMs: 20_000 });
  const memberOf = (server: string | undefined) =>
    [0, 1, 2].find((i) => server?.endsWith(`:${cluster.portOf(i)}`));

  const member = memberOf(client.connectedServer);
  assert.ok(member !== undefined, `connected (${client.connectedServer})`);
  const before = w.states.length;
  await cluster.kill(member);
  await churn(writer, base, 1);
  await eventually('reconnected', () => w.states.slice(before).includes('RECONNECTED'), 30_000);
  await w.check(t, writer, base, 'member killed');
  await cluster.restart(member);

  const leader = await cluster.leader();
  const at = w.states.length;
  await cluster.kill(leader);
  await churn(writer, base, 2).catch(async () => {
    // The writer may meet the election: wait for a leader and write again.
    await cluster.leader();
    await churn(writer, base, 2);
  });
  await cluster.restart(leader);
  await cluster.leader();
  if (memberOf(client.connectedServer) === leader || w.states.length > at)
    await eventually('reconnected', () => w.states.slice(at).includes('RECONNECTED'), 30_000);
  await writer.sync(base);
  await w.check(t, writer, base, 'leader killed');
});

test('a node deleted and re-created while the cache is disconnected, with the same version and new data, yields updated (Curator, comparing versions, swaps it silently)', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: SESSION_MS }, { direct: true }],
  });
  const [{ client }, { client: writer }] = fx.clients;
  const base = fx.root.child('recreated');
  await writer.create(base, '');
  await writer.create(`${base}/x`, 'A');
  await using cache = new TreeCache(client, base);
  const w = new Watched(cache, client);
  await cache.start();
  await cache.ready({ timeoutMs: 10_000 });
  const old = cache.get(`${base}/x`)!;
  assert.equal(cache.isStale(), false);

  await suspended(w, fx.proxy, () => fx.proxy.rejectConnections());
  assert.equal(cache.isStale(), true, 'stale while disconnected');
  assert.deepEqual(w.events.at(-1), { type: 'stale', reason: 'SUSPENDED' });
  assert.equal(cache.get(`${base}/x`)?.data?.toString(), 'A', 'the last known data is kept');
  await writer.delete(`${base}/x`);
  await writer.create(`${base}/x`, 'B');
  const now = (await writer.exists(`${base}/x`))!;
  assert.equal(now.version, old.stat.version, 'same version: only the zxids tell');
  fx.proxy.heal();
  await eventually('resynced', () => !cache.isStale(), 20_000);
  const updated = w.events.find((e) => e.type === 'updated' && e.path === `${base}/x`);
  assert.ok(updated?.type === 'updated', 'an updated event for the re-created node');
  assert.equal(updated.previous.data?.toString(), 'A');
  assert.equal(updated.node.data?.toString(), 'B');
  assert.ok(updated.node.stat.czxid > old.stat.czxid);
  const resynced = w.events.at(-1);
  assert.deepEqual(resynced, {
    type: 'resynced',
    diff: { added: [], updated: [`${base}/x`], removed: [] },
  });
});

test('the rebuild after a reconnect reads each node once, in multiRead batches, and lists children only where cversion moved, never on leaves', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: SESSION_MS }, { direct: true }],
  });
  const [{ client }, { client: writer }] = fx.clients;
  const { proxy } = fx;
  const base = fx.root.child('rebuild');
  await seed(writer, base); // 1 + 8 + 24 nodes
  await using cache = new TreeCache(client, base);
  const w = new Watched(cache, client);
  await cache.start();
  await cache.ready({ timeoutMs: 10_000 });
  await suspended(w, proxy, () => proxy.rejectConnections());
  await writer.create(`${base}/c3/d9`, 'new'); // moves /c3's cversion only
  const count = () => ({
    reads: proxy.operationCount('getData'),
    lists: proxy.operationCount('getChildren') + proxy.operationCount('getChildren2'),
    requests: READS.reduce((n, op) => n + proxy.requestCount(op), 0),
  });
  const before = count();
  proxy.heal();
  await eventually('resynced', () => w.events.at(-1)?.type === 'resynced', 20_000);
  const after = count();
  assert.equal(after.reads - before.reads, 34, 'each node read once');
  assert.equal(
    after.lists - before.lists,
    1,
    'children listed for /c3 only, whose cversion moved (the new node is a leaf)',
  );
  // Batched: the root, then its 8 children, then their 25 children, each level in a multiRead
  // or two, and one more for the listing: far fewer requests than the 35 operations.
  assert.ok(after.requests - before.requests <= 8, `${after.requests - before.requests} requests`);
  assert.ok(cache.get(`${base}/c3/d9`));
});

test('a read answered before a delete, and handled in the same chunk as the delete, does not bring the deleted node back (no orphan, no phantom)', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 10_000 }, { direct: true }],
  });
  const [{ client }, { client: writer }] = fx.clients;
  const { proxy } = fx;
  const base = fx.root.child('order');
  await writer.create(base, '');
  await writer.create(`${base}/k`, 'k');
  await writer.create(`${base}/k/c0`, 'v0');
  await using cache = new TreeCache(client, base);
  const w = new Watched(cache, client);
  await cache.start();
  await cache.ready({ timeoutMs: 10_000 });

  // The change's notification reaches the cache; the read it sends is held on the way out.
  proxy.partition('toServer');
  await writer.setData(`${base}/k/c0`, 'v1');
  await new Promise((r) => setTimeout(r, 300));
  const reads = proxy.requestCount('getData');
  // The read goes to the server, and from now on nothing comes back until the heal: the read's
  // answer, then the notifications of the deletes, all wait at the proxy.
  proxy.heal();
  proxy.partition('toClient');
  assert.equal(proxy.requestCount('getData'), reads + 1, "the cache's read reached the server");
  await new Promise((r) => setTimeout(r, 200)); // answered (and held)
  await writer.delete(`${base}/k`, { deleteChildren: true });
  await new Promise((r) => setTimeout(r, 200)); // notified (and held)
  proxy.heal(); // the answer and the two notifications arrive in one write
  await writer.sync(base);
  await eventually('the deletes are seen', () => cache.get(`${base}/k`) === undefined);
  await new Promise((r) => setTimeout(r, 200));
  const want = await serverTree(writer, base);
  assert.deepEqual(sorted(cacheTree(cache.nodes())), sorted(want), 'the cache equals the server');
  assert.deepEqual(sorted(replay(w.events)), sorted(want), 'the events replay to the same state');
});
