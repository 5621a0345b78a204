// What a call that leaves early (its signal, its timeout) must not leave behind, with the
// connection silent through a FaultProxy: a lock node when the caller aborts with a reason that
// is not an Error; a persistent kept node closed while its create is out; and a timed-out
// acquire must not wait for its watch removal on that silent connection (ADR 0031).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AcquireTimeoutError, createClient } from '@zk-recipes/core';
import { PersistentNode } from '@zk-recipes/group';
import { Mutex } from '@zk-recipes/lock';
import { childrenOf, FaultProxy, TestingServer, TestRoot, timing } from '@zk-recipes/testing';

let server: TestingServer;
before(async () => {
  server = await TestingServer.start();
});
after(async () => {
  await server?.close();
});

async function throughProxy(proxy: FaultProxy) {
  const client = createClient({ connectString: proxy.connectString, sessionTimeoutMs: 20_000 });
  await client.start();
  return client;
}

test('an acquire aborted with a reason that is not an Error while its create is out on a silent connection leaves no lock node once the connection is back', async () => {
  await using root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using client = await throughProxy(proxy);
  const path = root.child('lock');
  await client.create(path, '');
  proxy.partition();
  const ac = new AbortController();
  const acquiring = new Mutex(client, path).acquire({ signal: ac.signal });
  await timing.sleep(100); // the protected create is written, its answer held
  ac.abort('stop');
  await assert.rejects(acquiring, (e: Error) => e.name === 'AbortError');
  proxy.heal();
  // The create lands once the connection is back; the abandoned one is then deleted.
  await timing.waitFor(async () => (await childrenOf(server, path)).length === 0, {
    message: 'the abandoned lock node deleted',
  });
  const other = await new Mutex(client, path).acquire({ timeoutMs: timing.ms(5_000) });
  await other.release();
});

test('a PersistentNode closed while its first create is out on a silent connection leaves no node once the connection is back', async () => {
  await using root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using client = await throughProxy(proxy);
  const path = root.child('kept');
  proxy.partition();
  const node = new PersistentNode(client, path, { mode: 'PERSISTENT', data: 'x' });
  const started = node.start().catch(() => undefined);
  await timing.sleep(100);
  await node.close();
  await started;
  proxy.heal();
  await client.sync(root.path);
  // The create answered after close() gave up is removed then; give it time to land.
  await timing.waitFor(
    async () => {
      await timing.sleep(300);
      return (await childrenOf(server, root.path)).length === 0;
    },
    { message: 'the node made after close() removed' },
  );
});

test('an acquire waiting in line times out at its timeoutMs when the connection goes silent, not when the connection is dropped', async () => {
  await using root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using holder = createClient({ connectString: server.connectString });
  await holder.start();
  await using waiter = await throughProxy(proxy);
  const path = root.child('lock');
  const held = await new Mutex(holder, path).acquire();
  const t0 = Date.now();
  const waiting = new Mutex(waiter, path).acquire({ timeoutMs: 1_500 });
  await timing.sleep(400);
  proxy.partition(); // the waiter's watch removal after its timeout gets no answer
  await assert.rejects(waiting, AcquireTimeoutError);
  const took = Date.now() - t0;
  // 1.5 s, plus at most the release bound for the clean-up (1 s): the old code took 14.6 s.
  assert.ok(took < timing.ms(6_000), `the acquire ended after ${took} ms`);
  proxy.heal();
  await held.release();
});
