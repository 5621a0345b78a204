// The recipe kit's versioned read-modify-write and children wait, against a real server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AcquireTimeoutError,
  NoNodeError,
  retryNTimes,
  SessionExpiredError,
} from '@zk-recipes/core';
import { update, UpdateConflictError, waitForChildren } from '@zk-recipes/core/recipe';
import { FaultProxy, TestRoot } from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();
const int = (n: number) => Buffer.from(String(n));
const plusOne = (cur: { data: Buffer } | undefined) => int(Number(cur?.data.toString() ?? 0) + 1);

test('update: concurrent increments from several clients all count, none twice', async () => {
  const root = await TestRoot.create(server);
  const path = root.child('counter');
  const clients = await Promise.all(
    [0, 1, 2].map(() => startedClient({ connectString: server.connectString })),
  );
  try {
    await Promise.all(
      clients.flatMap(({ client }) =>
        Array.from({ length: 20 }, () => update(client, path, plusOne, { create: true })),
      ),
    );
    const { data, stat } = await clients[0]!.client.getData(path);
    assert.equal(data.toString(), '60');
    assert.equal(stat.version, 59, 'one write per increment (the create is version 0)');
  } finally {
    await Promise.all(clients.map((c) => c.client.close()));
    await root.remove();
  }
});

test('update: a lost reply of the conditional write is recognised, not applied twice (CURATOR-584)', async () => {
  const root = await TestRoot.create(server);
  const path = root.child('counter');
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  try {
    await c.client.create(path, int(5));
    const dropped = proxy.dropNextReply({ op: 'setData', path });
    const after = await update(c.client, path, plusOne);
    await dropped;
    assert.equal(after?.data.toString(), '6');
    const { data, stat } = await c.client.getData(path);
    assert.equal(data.toString(), '6', 'applied once');
    assert.equal(stat.version, 1);

    // The same for a create: its reply lost, the node it made is recognised.
    const fresh = root.child('fresh');
    const droppedCreate = proxy.dropNextReply({ op: 'create', path: fresh });
    assert.equal((await update(c.client, fresh, plusOne, { create: true }))?.data.toString(), '1');
    await droppedCreate;
    assert.equal((await c.client.getData(fresh)).data.toString(), '1');
  } finally {
    await root.remove();
  }
});

test('update: absent node, no change, and a bounded number of lost races', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('value');
    await assert.rejects(update(c.client, path, plusOne), NoNodeError);
    await c.client.create(path, int(1));
    assert.equal((await update(c.client, path, () => undefined))?.stat.version, 0);
    // Another writer always wins: the race is given up after maxAttempts.
    let n = 0;
    await assert.rejects(
      update(
        c.client,
        path,
        async (cur) => {
          n++;
          await c.client.setData(path, int(100 + n)); // moves the version under us
          return plusOne(cur);
        },
        { maxAttempts: 3 },
      ),
      (e) => e instanceof UpdateConflictError && e.attempts === 3 && e.code === 'UPDATE_CONFLICT',
    );
    assert.equal(n, 3);
  } finally {
    await root.remove();
  }
});

test('update: `known` writes without reading first; a stale one costs one lost race, and with readBack the read sent behind the write carries the next attempt; no decision not to write is made on a stale `known`; retryPolicy bounds lost races', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({ connectString: proxy.connectString });
  await using other = await startedClient({ connectString: server.connectString });
  try {
    const path = root.child('value');
    await other.client.create(path, int(1));
    const known = await other.client.getData(path); // "1" at version 0
    await other.client.setData(path, int(5)); // known is stale now: "5" at version 1
    const reads = proxy.requestCount('getData');
    const writes = proxy.requestCount('setData');
    const seen: string[] = [];
    const r = await update(
      c.client,
      path,
      (cur) => {
        seen.push(cur!.data.toString());
        return plusOne(cur);
      },
      { known, readBack: true },
    );
    assert.deepEqual(seen, ['1', '5'], 'fn on known, then on what beat it');
    assert.equal(r!.data.toString(), '6');
    assert.equal((await other.client.getData(path)).data.toString(), '6');
    assert.equal(proxy.requestCount('setData') - writes, 2, 'one lost race, one write');
    assert.equal(proxy.requestCount('getData') - reads, 2, 'only the reads behind the writes');

    // fn declines to write on known ("6" is not what it expects): asked again on a fresh read.
    const stale = { data: int(6), stat: r!.stat };
    await other.client.setData(path, int(9));
    const decided: string[] = [];
    const kept = await update(
      c.client,
      path,
      (cur) => {
        decided.push(cur!.data.toString());
        return cur!.data.toString() === '9' ? int(10) : undefined;
      },
      { known: stale, readBack: true },
    );
    assert.deepEqual(decided, ['6', '9']);
    assert.equal(kept!.data.toString(), '10');

    // retryPolicy: retryNTimes(2, 0) allows three attempts, then UpdateConflictError.
    let n = 0;
    await assert.rejects(
      update(
        c.client,
        path,
        async (cur) => {
          n++;
          await other.client.setData(path, int(100 + n));
          return plusOne(cur);
        },
        { readBack: true, retryPolicy: retryNTimes(2, 0) },
      ),
      (e) => e instanceof UpdateConflictError && e.attempts === 3,
    );
    assert.equal(n, 3);
  } finally {
    await root.remove();
  }
});

test('waitForChildren: resolves when the predicate holds, undefined at the deadline, leaves no watch', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const parent = root.child('members');
    await c.client.create(parent);
    assert.equal(
      await waitForChildren(c.client, parent, (ch) => ch.length >= 2, { timeoutMs: 100 }),
      undefined,
    );
    const waiting = waitForChildren(c.client, parent, (ch) => ch.length >= 2, { timeoutMs: 5_000 });
    await c.client.create(`${parent}/a`);
    await c.client.create(`${parent}/b`);
    assert.deepEqual((await waiting)?.sort(), ['a', 'b']);
    // A predicate that throws ends the wait with its error.
    const gone = new SessionExpiredError('our node is gone');
    await assert.rejects(
      waitForChildren(c.client, parent, () => {
        throw gone;
      }),
      (e) => e === gone,
    );
    const ac = new AbortController();
    const aborted = waitForChildren(c.client, parent, () => false, { signal: ac.signal });
    ac.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
  } finally {
    await root.remove();
  }
});

test('AcquireTimeoutError names the lock path in the caller namespace and carries the timeout', async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({
    connectString: server.connectString,
    namespace: root.path.slice(1),
  });
  await using b = await startedClient({
    connectString: server.connectString,
    namespace: root.path.slice(1),
  });
  try {
    const held = await a.client.contend('/lock', { lockName: 'lock-' });
    await assert.rejects(b.client.contend('/lock', { lockName: 'lock-', timeoutMs: 50 }), (e) => {
      assert.ok(e instanceof AcquireTimeoutError);
      assert.equal(e.path, '/lock');
      assert.equal(e.timeoutMs, 50);
      return true;
    });
    await held.release();
  } finally {
    await root.remove();
  }
});
