// AtomicLong while connections are cut, replies dropped, servers die and sessions expire: every
// increment counts exactly once. ZK_SOAK=1 runs the full size (8 processes x 500).
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AtomicLong } from '@zk-recipes/atomic';
import { UpdateOutcomeUnknownError } from '@zk-recipes/core/recipe';
import { expireSession, FaultProxy, TestingCluster, TestRoot, timing } from '@zk-recipes/testing';
import { startedClient, waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();
const SOAK = process.env.ZK_SOAK === '1';
const PROCESSES = 8;
const INCREMENTS = SOAK ? 500 : 25;
const worker = fileURLToPath(new URL('../support/atomic-worker.js', import.meta.url));

test(`AtomicLong: ${PROCESSES} processes x ${INCREMENTS} increments while connections are cut and replies dropped: exactly ${PROCESSES * INCREMENTS}`, async () => {
  const root = await TestRoot.create(server);
  const path = root.child('hits');
  const proxies: FaultProxy[] = [];
  const children: ReturnType<typeof fork>[] = [];
  try {
    for (let i = 0; i < PROCESSES; i++) proxies.push(await FaultProxy.start(server));
    const done = proxies.map((p) => {
      const child = fork(worker, [p.connectString, path, String(INCREMENTS)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      return new Promise<number>((resolve, reject) => {
        child.on('message', (m: { counted: number }) => resolve(m.counted));
        child.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      });
    });
    let running = true;
    const finished = Promise.all(done).finally(() => (running = false));
    // Faults while they count: a dropped reply of a conditional write (the connection is cut
    // after it), or a plain cut, on a random worker's connection every 150 ms.
    let drops = 0;
    let cuts = 0;
    while (running) {
      await new Promise((r) => setTimeout(r, 150));
      const p = proxies[Math.floor(Math.random() * PROCESSES)]!;
      if (Math.random() < 0.6) {
        void p.dropNextReply({ op: 'multi' }).then(() => drops++);
      } else {
        p.closeAll();
        cuts++;
      }
    }
    const counted = await finished;
    assert.deepEqual(counted, Array(PROCESSES).fill(INCREMENTS));
    await using c = await startedClient({ connectString: server.connectString });
    assert.equal(
      (await c.client.getData(path)).data.readBigInt64BE(0),
      BigInt(PROCESSES * INCREMENTS),
    );
    assert.ok(drops > 0, 'some replies of conditional writes were dropped');
    console.log(`counted ${PROCESSES * INCREMENTS} with ${drops} dropped replies and ${cuts} cuts`);
    // The workers are gone, and with their sessions their witnesses: at once when a worker's
    // close reached the server, else when its session expires (a cut just before the close
    // can leave it unconfirmed; the workers' sessions last 10 s).
    await timing.waitFor(async () => (await c.client.getChildren(path)).children.length === 0, {
      timeoutMs: 20_000,
      message: 'the witnesses to go with the sessions',
    });
  } finally {
    const alive = children.filter((ch) => ch.exitCode === null && ch.signalCode === null);
    for (const ch of alive) ch.kill('SIGKILL');
    await Promise.all(alive.map((ch) => once(ch, 'exit')));
    for (const p of proxies) await p.close();
    await root.remove();
  }
});

test('AtomicLong: counts on after its session expires (a new witness in the new session)', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({
    connectString: server.connectString,
    sessionTimeoutMs: 4000,
  });
  try {
    const n = new AtomicLong(c.client, root.child('n'));
    await n.increment();
    const old = c.client.session!.sessionId;
    await expireSession(c.client, server);
    await waitForNewSession(c.client, old);
    assert.equal((await n.increment()).postValue, 2n);
    assert.equal(await n.get(), 2n);
  } finally {
    await root.remove();
  }
});

test('AtomicLong: an increment waiting while its session expires counts once on the new session (it used to reject with SessionExpiredError)', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 4000,
  });
  try {
    const n = new AtomicLong(c.client, root.child('n'));
    await n.increment();
    const old = c.client.session!.sessionId;
    proxy.rejectConnections(); // its reads and writes wait for a connection
    const pending = n.increment({ timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    await expireSession(c.client, server);
    proxy.heal();
    await waitForNewSession(c.client, old);
    assert.equal((await pending).postValue, 2n);
    assert.equal(await n.get(), 2n);
  } finally {
    await root.remove();
  }
});

test('AtomicLong: a write whose reply was lost, then its session (and witness) too, is UpdateOutcomeUnknownError, never SessionExpiredError', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 4000,
  });
  try {
    const n = new AtomicLong(c.client, root.child('n'));
    await n.increment();
    const old = c.client.session!.sessionId;
    // The write reaches the server, its reply is dropped and the connection cut; no new
    // connection gets through until the session is expired, so the witness cannot be asked.
    const dropped = proxy.dropNextReply({ op: 'multi' }).then(() => proxy.rejectConnections());
    const pending = n.increment({ timeoutMs: 20_000 }).then(
      (r) => r,
      (e: unknown) => e,
    );
    await dropped;
    await expireSession(c.client, server);
    proxy.heal();
    await waitForNewSession(c.client, old);
    const outcome = await pending;
    assert.ok(outcome instanceof UpdateOutcomeUnknownError, `got ${String(outcome)}`);
    assert.equal(outcome.code, 'UPDATE_OUTCOME_UNKNOWN');
    assert.equal(await n.get(), 2n, 'the write was applied: the outcome was indeed unknown to it');
  } finally {
    await root.remove();
  }
});

test('AtomicLong: increments from three clients while the ensemble leader dies count exactly', async () => {
  await using cluster = await TestingCluster.start();
  const root = await TestRoot.create(cluster);
  const clients = await Promise.all(
    [0, 1, 2].map(() =>
      startedClient({ connectString: cluster.connectString, sessionTimeoutMs: 10_000 }),
    ),
  );
  try {
    const path = root.child('n');
    const each = 30;
    const runs = clients.map(async ({ client }) => {
      const n = new AtomicLong(client, path);
      for (let i = 0; i < each; i++) await n.increment({ timeoutMs: 30_000 });
    });
    await new Promise((r) => setTimeout(r, 100));
    await cluster.kill(await cluster.leader());
    await Promise.all(runs);
    // get() reads clients[0]'s server, which may apply the other clients' last increments after
    // their servers acknowledged them: it is made current first.
    await clients[0]!.client.sync(path);
    assert.equal(await new AtomicLong(clients[0]!.client, path).get(), BigInt(3 * each));
  } finally {
    await Promise.all(clients.map((c) => c.client.close()));
    await root.remove().catch(() => {});
  }
});
