import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { test } from 'node:test';
import { Mutex } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  WireClient,
  timing,
} from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('a partitioned holder sees lease.signal abort before another process is granted the lock', async (t) => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 2000 }, { direct: true, sessionTimeoutMs: 8000 }],
  });
  const { root, proxy } = fx;
  const [holder, waiter] = fx.clients;
  const path = root.child('lock');
  const lease = await new Mutex(holder.client, path).acquire();
  let abortedAt = 0;
  lease.signal.addEventListener('abort', () => (abortedAt = performance.now()));
  const next = new Mutex(waiter.client, path).acquire();
  await timing.sleep(200);
  const partitionedAt = performance.now();
  proxy.partition(); // the holder's session is now in doubt
  const granted = await next;
  const grantedAt = performance.now();
  assert.ok(abortedAt > 0, 'the holder was told');
  assert.ok(
    abortedAt < grantedAt,
    `signal aborted at +${Math.round(abortedAt - partitionedAt)} ms, the other was granted at +${Math.round(grantedAt - partitionedAt)} ms`,
  );
  t.diagnostic(
    `partition +0: holder's signal aborted +${Math.round(abortedAt - partitionedAt)} ms, other granted +${Math.round(grantedAt - partitionedAt)} ms`,
  );
  assert.ok(granted.fencingToken > lease.fencingToken);
  await granted.release();
  proxy.heal();
  await lease.release(); // its node went with its session; nothing to do, nothing thrown
  await assertNoLeftoverNodes(server, path);
});

test('1,000 waiters in one process hold one znode and under 5 MB of heap; no watch remains after', async (t) => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [other, local] = fx.clients;
  const path = root.child('lock');
  const held = await new Mutex(other.client, path).acquire();
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const mutex = new Mutex(local.client, path);
  const waiters = Array.from({ length: 1000 }, () => mutex.acquire());
  await timing.sleep(500);
  gc();
  const grew = process.memoryUsage().heapUsed - before;
  const c = await WireClient.connect({ connectString: server.connectString });
  const nodes = await c.getChildren(path);
  await c.closeSession();
  t.diagnostic(`1,000 local waiters: heap grew ${(grew / 1024 / 1024).toFixed(2)} MB`);
  assert.equal(nodes.length, 2, 'the holder and one node for all 1,000 local waiters');
  assert.ok(grew < 5 * 1024 * 1024, `heap grew ${(grew / 1024 / 1024).toFixed(2)} MB`);
  await held.release();
  for (const w of waiters) await (await w).release();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});
