// The sequence counter of a lock path is 32 bits (the parent's cversion). kazoo #606 and #730:
// past 2^31 - 1 older servers named children with negative numbers, which sort first as text,
// so the newest contender thought it held. ZooKeeper 3.8 does not wrap: it keeps naming
// children 2147483647 (DataTree only raises a parent's counter, and + 1 overflowed), so past
// the limit every contender carries the same number and names no longer give creation order.
// Reaching the limit by creating 2^31 children is out of reach; the counter is set directly in
// the server's snapshot (support/child-counter.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex, type Lease } from '@zk-recipes/lock';
import { childrenOf, TestingServer, TestRoot, WireClient, timing } from '@zk-recipes/testing';
import { setChildCounter } from '../support/child-counter.js';
import { startedClient, type StartedClient } from '../support/core-helpers.js';

const CONTENDERS = 8;

async function startedClients(connectString: string, n: number) {
  const clients: StartedClient[] = [];
  const group = {
    clients,
    async [Symbol.asyncDispose]() {
      for (const c of clients) await c[Symbol.asyncDispose]();
    },
  };
  try {
    for (let i = 0; i < n; i++) clients.push(await startedClient({ connectString }));
  } catch (e) {
    await group[Symbol.asyncDispose]();
    throw e;
  }
  return group;
}

test('contenders past the end of the sequence counter keep one holder and creation order (kazoo #606, #730)', async (t) => {
  // Digests off: the server would log a mismatch for the counter set behind its back.
  await using server = await TestingServer.start({
    tickTimeMs: 200,
    extraConfig: { 'digest.enabled': false },
  });
  await using root = await TestRoot.create(server);
  const path = root.child('lock');
  // Persistent: a container parent would go once empty, and its counter with it.
  const setup = await WireClient.connect({ connectString: server.connectString });
  await setup.create(path);
  await setup.closeSession();
  await setChildCounter(server, path, 2 ** 31 - 3); // 2147483645, 2147483646, 2147483647, ...

  await using group = await startedClients(server.connectString, CONTENDERS);
  const clients = group.clients;
  let holders = 0;
  let most = 0;
  const granted: { i: number; lease: Lease }[] = [];
  const failures: unknown[] = [];
  const start = async (i: number) => {
    const before = (await childrenOf(server, path)).length;
    void new Mutex(clients[i]!.client, path).acquire({ timeoutMs: timing.ms(20_000) }).then(
      (lease) => {
        holders++;
        most = Math.max(most, holders);
        granted.push({ i, lease });
      },
      (e: unknown) => failures.push(e),
    );
    // Created in this order: a contender's node exists before the next one starts.
    await timing.waitFor(async () => (await childrenOf(server, path)).length > before);
  };
  for (const i of [0, 1, 2]) await start(i);
  const names = new Set(await childrenOf(server, path));
  await timing.waitFor(() => granted.length === 1, { message: 'the first grant' });
  for (let released = 0; released < CONTENDERS; released++) {
    // A newcomer arrives while someone holds: it must queue behind everyone.
    const next = released + 3;
    if (next < CONTENDERS) {
      await start(next);
      for (const n of await childrenOf(server, path)) names.add(n);
    }
    await timing.sleep(200);
    const oldest = granted[released];
    if (!oldest) break; // no grant: the failures say why
    holders--;
    await oldest.lease.release();
    if (released + 1 < CONTENDERS) {
      await timing
        .waitFor(() => granted.length > released + 1 || failures.length > 0, {
          timeoutMs: 10_000,
        })
        .catch(() => undefined);
    }
  }
  t.diagnostic(
    `sequence numbers: ${[...names].map((n) => n.slice(n.lastIndexOf('lock-') + 5)).join(', ')}`,
  );
  assert.deepEqual(failures, []);
  assert.equal(most, 1, 'never two holders');
  assert.deepEqual(
    granted.map((g) => g.i),
    Array.from({ length: CONTENDERS }, (_, i) => i),
    'granted in creation order',
  );
  for (let k = 1; k < granted.length; k++) {
    assert.ok(granted[k]!.lease.fencingToken > granted[k - 1]!.lease.fencingToken);
  }
});
