import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { AcquireTimeoutError, InvalidArgumentError, type ZkClient } from '@zk-recipes/core';
import { Mutex, withLock, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  childrenOf,
  assertNoLeftoverWatches,
  FaultProxy,
  TestRoot,
  timing,
} from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });
const worker = fileURLToPath(new URL('../support/lock-worker.js', import.meta.url));

test('mutual exclusion: 4 processes x 40 acquisitions, never two holders, tokens rising in grant order', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('lock');
  const holders = new Set<number>();
  const tokens: bigint[] = [];
  let maxHolders = 0;
  const children = [0, 1, 2, 3].map(() =>
    fork(worker, [server.connectString, path, '40'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  for (const child of children) {
    child.on('message', (m: { type: string; pid: number; token?: string }) => {
      if (m.type === 'enter') {
        holders.add(m.pid);
        maxHolders = Math.max(maxHolders, holders.size);
        tokens.push(BigInt(m.token!));
      } else {
        holders.delete(m.pid);
      }
      child.send('ack');
    });
  }
  const codes = await Promise.all(children.map(async (c) => (await once(c, 'exit'))[0] as number));
  assert.deepEqual(codes, [0, 0, 0, 0]);
  assert.equal(tokens.length, 160);
  assert.equal(maxHolders, 1, 'never two holders at once');
  for (let i = 1; i < tokens.length; i++)
    assert.ok(tokens[i]! > tokens[i - 1]!, `token ${i} rises`);
  await assertNoLeftoverNodes(server, path);
});

test("the lock node is Curator's: _c_<uuid>-lock-<seq>, data the host's address", async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const path = root.child('lock');
  await using lease = await new Mutex(started.client, path).acquire();
  const [name] = await childrenOf(server, path);
  assert.match(
    name!,
    /^_c_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-lock-\d{10}$/,
  );
  assert.equal(lease.nodePath, `${path}/${name}`);
  const { data } = await started.client.getData(lease.nodePath);
  assert.match(data.toString(), /^\d+\.\d+\.\d+\.\d+$/);
});

test('many acquirers in one process hold one znode at a time, and all get their turn', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const path = root.child('lock');
  let inside = 0;
  let most = 0;
  let maxNodes = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      withLock(started.client, path, async () => {
        inside++;
        most = Math.max(most, inside);
        order.push(i);
        maxNodes = Math.max(maxNodes, (await childrenOf(server, path)).length);
        inside--;
      }),
    ),
  );
  assert.equal(most, 1);
  assert.equal(order.length, 20);
  assert.equal(maxNodes, 1, 'one znode per client and path');
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('tryAcquire never waits; a timeout and an abort leave nothing behind', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const path = root.child('lock');
  const held = await new Mutex(a.client, path).acquire();
  assert.equal(await new Mutex(b.client, path).tryAcquire(), undefined);
  assert.equal(await new Mutex(a.client, path).tryAcquire(), undefined, 'busy locally too');
  await assert.rejects(new Mutex(b.client, path).acquire({ timeoutMs: 200 }), AcquireTimeoutError);
  const ac = new AbortController();
  const waiting = new Mutex(b.client, path).acquire({ signal: ac.signal });
  const queuedLocally = new Mutex(a.client, path).acquire({ signal: ac.signal });
  await timing.sleep(100);
  ac.abort();
  await Promise.all([
    assert.rejects(waiting, { name: 'AbortError' }),
    assert.rejects(queuedLocally, { name: 'AbortError' }),
  ]);
  assert.equal((await childrenOf(server, path)).length, 1, 'only the holder');
  // From JavaScript: a signal that is none is refused before anything is sent.
  for (const signal of ['x', {}] as unknown as AbortSignal[]) {
    await assert.rejects(
      new Mutex(b.client, path).acquire({ signal }),
      (e: unknown) => e instanceof InvalidArgumentError && e.field === 'signal',
    );
  }
  assert.equal((await childrenOf(server, path)).length, 1, 'still only the holder');
  await held.release();
  const free = await new Mutex(b.client, path).tryAcquire();
  assert.ok(free);
  await free.release();
  const again = await new Mutex(a.client, path).acquire({ timeoutMs: 1000 }); // the local queue moved on
  await again.release();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('withLock releases when fn throws; release is idempotent; await using releases', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const path = root.child('lock');
  await assert.rejects(
    withLock(started.client, path, () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal((await childrenOf(server, path)).length, 0);
  let kept: Lease | undefined;
  {
    await using lease = await new Mutex(started.client, path).acquire();
    kept = lease;
    assert.equal(lease.released, false);
  }
  assert.equal(kept.released, true);
  assert.equal(kept.signal.aborted, true, 'the signal aborts on release');
  await kept.release();
  assert.equal((await childrenOf(server, path)).length, 0);
});

async function holdThroughDisconnect(client: ZkClient, proxy: FaultProxy, path: string) {
  const lease = await new Mutex(client, path).acquire();
  proxy.closeAll();
  await timing.waitFor(() => client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  return lease;
}

test('lease.signal aborts on SUSPENDED under the standard policy, only on LOST under session', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 6000 }, { sessionTimeoutMs: 6000, errorPolicy: 'session' }],
  });
  const { root, proxy } = fx;
  const [standard, lenient] = fx.clients;
  // Its signal is read for the first time only after its release (it is made when first read).
  const unread = await new Mutex(standard.client, root.child('c')).acquire();
  const l1 = await holdThroughDisconnect(standard.client, proxy, root.child('a'));
  assert.equal(l1.signal.aborted, true);
  await unread.release();
  assert.equal(unread.signal.aborted, true);
  assert.equal(
    unread.signal.reason,
    l1.signal.reason,
    'the hold was lost before the release: that is the reason, not the release',
  );
  const l2 = await holdThroughDisconnect(lenient.client, proxy, root.child('b'));
  assert.equal(l2.signal.aborted, false, 'the session lived on');
  await l1.release();
  await l2.release();
});
