import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { test } from 'node:test';
import { Mutex, requestRevoke } from '@zk-recipes/lock';
import { assertNoLeftoverNodes, assertNoLeftoverWatches, timing } from '@zk-recipes/testing';
import { assertNoChildWatch, holderWatches } from '../support/handoff-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('no hand-off onto a node whose session was in doubt; a handed-off lease aborts when it is', async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 8000 }] });
  const { root, proxy } = fx;
  const [local] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path);
  const first = await mutex.acquire();
  let lists = proxy.requestCount('getChildren2');
  const second = mutex.acquire();
  await holderWatches(proxy, lists);
  const session = local.client.session!.sessionId;
  proxy.closeAll();
  await timing.waitFor(() => local.client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  assert.equal(local.client.session!.sessionId, session, 'the same session, node still there');
  assert.equal(first.signal.aborted, true);
  await first.release();
  const s = await second;
  assert.notEqual(s.nodePath, first.nodePath, 'contended anew, not handed over');
  assert.equal(s.signal.aborted, false);
  lists = proxy.requestCount('getChildren2');
  const third = mutex.acquire();
  await holderWatches(proxy, lists);
  await s.release();
  const h = await third;
  assert.equal(h.nodePath, s.nodePath, 'handed over');
  proxy.closeAll();
  await timing.waitFor(() => h.signal.aborted, { message: "the handed-off lease's signal aborts" });
  await timing.waitFor(() => local.client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  await h.release();
  await assertNoChildWatch(local.client, path);
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('revocation reaches the holder a node was handed to, and ends hand-offs of that node', async () => {
  await using fx = await proxiedClients(server, { clients: [{}, { direct: true }] });
  const { root, proxy } = fx;
  const [local, admin] = fx.clients;
  const path = root.child('lock');
  const mutex = new Mutex(local.client, path);
  const told: string[] = [];
  const first = await mutex.acquire({ onRevoke: () => told.push('first') });
  const second = mutex.acquire({
    onRevoke: (l) => {
      told.push('second');
      void l.release();
    },
  });
  const lists = proxy.requestCount('getChildren2');
  const third = mutex.acquire();
  await holderWatches(proxy, lists);
  await first.release();
  const s = await second;
  assert.equal(s.nodePath, first.nodePath, 'handed over');
  await requestRevoke(admin.client, s.nodePath);
  await timing.waitFor(() => told.length > 0, { message: 'the holder is told' });
  assert.deepEqual(told, ['second']);
  const h = await third;
  assert.notEqual(h.nodePath, first.nodePath, 'the revoked node is deleted, not passed on');
  await h.release();
  await assertNoChildWatch(local.client, path);
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('fifty locks held at once on one client: every lease signal aborts on SUSPENDED, no listener warning', async () => {
  await using fx = await proxiedClients(server);
  const { root, proxy } = fx;
  const [local] = fx.clients;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    // Every lease listens to the session's one hold signal: through one relay, not a listener each.
    const leases = await Promise.all(
      Array.from({ length: 50 }, (_, i) => new Mutex(local.client, root.child(`l${i}`)).acquire()),
    );
    await tick();
    proxy.closeAll();
    await timing.waitFor(() => leases.every((l) => l.signal.aborted), { message: 'all aborted' });
    await timing.waitFor(() => local.client.state === 'RECONNECTED', { message: 'RECONNECTED' });
    for (const l of leases) await l.release();
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(
    warnings.map((w) => w.name),
    [],
  );
  for (let i = 0; i < 50; i++) await assertNoLeftoverNodes(server, root.child(`l${i}`));
});
