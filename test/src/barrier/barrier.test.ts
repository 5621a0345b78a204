// Barrier and DoubleBarrier against a real server: Curator's layouts, waits with timeouts and
// signals, connection cuts that must not let anyone through (GH-1290), a member killed while
// entering, bad input.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Barrier, BarrierTimeoutError, DoubleBarrier, READY_NODE } from '@zk-recipes/barrier';
import { IllegalStateError, InvalidArgumentError, type ZkClient } from '@zk-recipes/core';
import { FaultProxy, TestRoot } from '@zk-recipes/testing';
import {
  childrenOrNone,
  eventually,
  settledWithin,
  startedClient,
} from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const worker = fileURLToPath(new URL('../support/barrier-worker.js', import.meta.url));
const isTimeout = (phase: string) => (e: unknown) =>
  e instanceof BarrierTimeoutError && e.phase === phase && e.code === 'BARRIER_TIMEOUT';
const childCount = async (client: ZkClient, path: string) =>
  (await client.getChildren(path).catch(() => ({ children: [] }))).children.length;

test('Barrier: waiters are held while it is set (through a connection cut), pass when it is removed; a persistent node, parents made', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: server.connectString });
  await using w = await startedClient({ connectString: proxy.connectString });
  try {
    const path = root.child('gates/g1');
    const gate = new Barrier(c.client, path);
    await new Barrier(w.client, path).waitOnBarrier({ timeoutMs: 1000 }); // not set: passes
    await gate.set();
    await gate.set(); // set twice is fine
    assert.equal((await c.client.exists(path))!.ephemeralOwner, 0n, 'persistent');
    assert.equal(await gate.isSet(), true);
    await assert.rejects(
      new Barrier(w.client, path).waitOnBarrier({ timeoutMs: 200 }),
      isTimeout('wait'),
    );
    const waiting = [0, 1].map(() =>
      new Barrier(w.client, path).waitOnBarrier({ timeoutMs: 20_000 }),
    );
    await new Promise((r) => setTimeout(r, 200));
    proxy.closeAll(); // a connection event is not a removal
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await settledWithin(Promise.race(waiting), 0), false, 'still held');
    await gate.remove();
    await Promise.all(waiting);
    await gate.remove(); // removing twice is fine
    const ac = new AbortController();
    await gate.set();
    const aborted = new Barrier(w.client, path).waitOnBarrier({ signal: ac.signal });
    ac.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    await gate.remove();
  } finally {
    await root.remove();
  }
});

test('DoubleBarrier: enter waits for memberQty members, leave for all; Curator layout (ephemeral uuid members, persistent ready), nothing left', async () => {
  const root = await TestRoot.create(server);
  const clients = await Promise.all(
    [0, 1, 2].map(() => startedClient({ connectString: server.connectString })),
  );
  try {
    const admin = clients[0]!.client;
    const path = root.child('round');
    const barriers = clients.map(({ client }) => new DoubleBarrier(client, path, 3));
    const first = barriers.slice(0, 2).map((b) => b.enter({ timeoutMs: 10_000 }));
    await eventually(async () => (await childCount(admin, path)) === 2, 5000);
    assert.equal(await settledWithin(Promise.race(first), 200), false, 'two of three wait');
    await barriers[2]!.enter({ timeoutMs: 10_000 });
    await Promise.all(first);
    const { children } = await admin.getChildren(path);
    const members = children.filter((n) => n !== READY_NODE);
    assert.ok(children.includes(READY_NODE));
    assert.equal(members.length, 3);
    for (const m of members) {
      assert.match(m, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.notEqual((await admin.exists(`${path}/${m}`))!.ephemeralOwner, 0n);
    }
    assert.equal((await admin.exists(`${path}/${READY_NODE}`))!.ephemeralOwner, 0n);
    // Leave: nobody is out before all are leaving.
    const leaving = barriers.slice(0, 2).map((b) => b.leave({ timeoutMs: 10_000 }));
    assert.equal(await settledWithin(Promise.race(leaving), 300), false, 'two of three wait');
    await barriers[2]!.leave({ timeoutMs: 10_000 });
    await Promise.all(leaving);
    assert.deepEqual(await childrenOrNone(admin, path), []);
    await assert.rejects(barriers[0]!.leave(), IllegalStateError);
  } finally {
    await Promise.all(clients.map((c) => c.client.close()));
    await root.remove();
  }
});

test('DoubleBarrier: a timed enter with too few members never passes, even when connections are cut meanwhile (Curator GH-1290)', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  const clients = await Promise.all(
    [0, 1].map(() => startedClient({ connectString: proxy.connectString })),
  );
  try {
    const path = root.child('few');
    const entering = clients.map(({ client }) =>
      assert.rejects(
        new DoubleBarrier(client, path, 3).enter({ timeoutMs: 1500 }),
        isTimeout('enter'),
      ),
    );
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 300));
      proxy.closeAll(); // SUSPENDED, RECONNECTED: Curator's shared watcher woke and passed here
    }
    await Promise.all(entering);
    // Our member nodes are removed: a later member is not counted with ghosts.
    assert.deepEqual(await childrenOrNone(clients[0]!.client, path), []);
  } finally {
    await Promise.all(clients.map((c) => c.client.close()));
    await root.remove();
  }
});

test('DoubleBarrier of 5: a member killed while entering; the others neither pass early nor wait past their timeout', async () => {
  const root = await TestRoot.create(server);
  const path = root.child('five');
  const clients = await Promise.all(
    [0, 1, 2, 3].map(() => startedClient({ connectString: server.connectString })),
  );
  const admin = clients[0]!.client;
  const child = fork(worker, [server.connectString, path, '5', '1000'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await once(child, 'message');
    // Three of us wait to enter, then the process enters and is killed while it waits.
    const timeoutMs = 2000;
    const started = Date.now();
    const outcomes = clients.slice(0, 3).map(({ client }) =>
      new DoubleBarrier(client, path, 5).enter({ timeoutMs }).then(
        () => 'passed',
        (e: unknown) => (isTimeout('enter')(e) ? `timeout after ${Date.now() - started} ms` : e),
      ),
    );
    await eventually(async () => (await childCount(admin, path)) === 3, 5000);
    child.send('enter');
    await eventually(async () => (await childCount(admin, path)) === 4, 5000);
    child.kill('SIGKILL');
    await once(child, 'exit');
    // Its node goes with its session; then the fourth of us enters: four live members of five.
    await eventually(async () => (await childCount(admin, path)) === 3, 5000);
    await assert.rejects(
      new DoubleBarrier(clients[3]!.client, path, 5).enter({ timeoutMs: 1000 }),
      isTimeout('enter'),
    );
    for (const o of await Promise.all(outcomes)) {
      assert.equal(typeof o, 'string', String(o));
      const m = /^timeout after (\d+) ms$/.exec(o as string);
      assert.ok(m, `${String(o)}: must not pass with four members`);
      assert.ok(Number(m[1]) < timeoutMs + 2000, `${String(o)}: not long past its timeout`);
    }
    assert.deepEqual(await childrenOrNone(admin, path), []);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await Promise.all(clients.map((c) => c.client.close()));
    await root.remove();
  }
});

test('barrier: bad input is a typed error before anything is sent', async () => {
  await using c = await startedClient({ connectString: server.connectString });
  assert.throws(() => new DoubleBarrier(c.client, '/b', 0), InvalidArgumentError);
  assert.throws(() => new DoubleBarrier(c.client, '/b', 1.5), InvalidArgumentError);
  assert.throws(() => new DoubleBarrier(c.client, 'b', 2), InvalidArgumentError);
  assert.throws(() => new Barrier(c.client, '/b/'), InvalidArgumentError);
  await using root = await TestRoot.create(server);
  // set, remove and isSet validate their timeoutMs before sending anything (ADR 0031).
  const b = new Barrier(c.client, root.child('gate'));
  await assert.rejects(b.waitOnBarrier({ timeoutMs: -1 }), InvalidArgumentError);
  await assert.rejects(b.set({ timeoutMs: -1 }), InvalidArgumentError);
  await assert.rejects(b.set({ timeoutMs: Number.NaN }), InvalidArgumentError);
  await assert.rejects(b.isSet({ timeoutMs: -1 }), InvalidArgumentError);
  assert.equal(await c.client.exists(b.path), null, 'a set with a bad timeoutMs sent nothing');
  await b.set({ timeoutMs: 5_000 });
  await assert.rejects(b.remove({ timeoutMs: Infinity }), InvalidArgumentError);
  assert.equal(await b.isSet({ timeoutMs: 5_000 }), true, 'a bad remove sent nothing');
  await b.remove({ timeoutMs: 5_000 });
  assert.equal(await b.isSet(), false);
});
