// Regression tests for node-zookeeper-client 1.1.3 defects that core compensates
// (docs/low-level-client.md). Each fails without its compensation.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  ConnectTimeoutError,
  createClient,
  OperationTimeoutError,
  noRetry,
  Perms,
  RetriesExhaustedError,
  retryNTimes,
  ServerTooOldError,
  type WatchEvent,
} from '@zk-recipes/core';
import {
  assertNoLeftoverWatches,
  expireSession,
  FaultProxy,
  TestRoot,
  timing,
} from '@zk-recipes/testing';
import { connectionManagerOf, startedClient, waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('start() rejects with a typed error naming the connect string when nothing answers', async () => {
  const client = createClient({ connectString: '127.0.0.1:1', sessionTimeoutMs: 2000 });
  await assert.rejects(client.start({ timeoutMs: 700 }), (e: unknown) => {
    assert.ok(e instanceof ConnectTimeoutError);
    assert.equal(e.code, 'CONNECT_TIMEOUT');
    assert.match(e.message, /127\.0\.0\.1:1/);
    return true;
  });
  // A failed start() closes the client: its state says so (it said LATENT: issue 14).
  assert.equal(client.state, 'CLOSED');
});

test('handshake watchdog: a server that accepts TCP and never answers is dropped and retried', async () => {
  await using proxy = await FaultProxy.start(server);
  proxy.partition(); // TCP connects, no byte comes back
  const client = createClient({ connectString: proxy.connectString, sessionTimeoutMs: 1000 });
  await assert.rejects(client.start({ timeoutMs: 3500 }), ConnectTimeoutError);
  assert.ok(
    proxy.acceptedCount >= 2,
    `the client gave up on the silent handshake and tried again (${proxy.acceptedCount} connections)`,
  );
});

test('every request has a deadline: a request over a silent connection fails OPERATIONTIMEOUT', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ retryPolicy: noRetry }, { retryPolicy: retryNTimes(2, 10) }],
    client: { sessionTimeoutMs: 10_000 },
    root: false,
  });
  const { proxy } = fx;
  const [{ client }, retrying] = fx.clients;
  try {
    proxy.partition();
    const began = performance.now();
    await assert.rejects(client.exists('/', { requestTimeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof OperationTimeoutError);
      assert.equal(e.code, 'OPERATIONTIMEOUT');
      assert.equal(e.path, '/');
      return true;
    });
    assert.ok(performance.now() - began < timing.ms(3000));
    // Under a retry policy a timeout is retried, then given up with the last one as cause.
    await assert.rejects(retrying.client.exists('/', { requestTimeoutMs: 200 }), (e: unknown) => {
      assert.ok(e instanceof RetriesExhaustedError);
      assert.equal(e.attempts, 3);
      assert.ok(e.cause instanceof OperationTimeoutError);
      return true;
    });
  } finally {
    proxy.heal();
  }
});

function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

test('credentials go out before requests queued during a disconnect (no NOAUTH)', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 6000, auth: [{ scheme: 'digest', credentials: 'app:secret' }] }],
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('guarded');
  await client.create(node, 'v', {
    acl: [{ perms: Perms.ALL, scheme: 'digest', id: digestId('app', 'secret') }],
  });
  proxy.closeAll();
  proxy.partition(); // keep it disconnected while requests queue up
  await timing.waitFor(() => client.state === 'SUSPENDED', { message: 'SUSPENDED' });
  const queued = Array.from({ length: 40 }, () => client.getData(node));
  await timing.sleep(200);
  proxy.heal();
  const results = await Promise.allSettled(queued);
  const failed = results.filter((r) => r.status === 'rejected');
  assert.equal(failed.length, 0, `failed: ${failed.map((f) => String(f.reason)).join(', ')}`);
});

test('the xid wraps before 2^31 instead of throwing', async () => {
  await using started = await startedClient({ connectString: server.connectString });
  const { client } = started;
  // Reach the package's connection manager (internal) to skip 2^31 requests.
  const cm = connectionManagerOf(client);
  cm.xid = 2 ** 31 - 3;
  for (let i = 0; i < 8; i++) assert.ok(await client.exists('/'));
  assert.ok(cm.xid > 0 && cm.xid < 100, `xid wrapped to ${cm.xid}`);
});

test('setData with empty data works and getData returns an empty Buffer', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('n');
  await client.create(node, 'abc');
  const stat = await client.setData(node, Buffer.alloc(0));
  assert.equal(stat.dataLength, 0);
  const { data } = await client.getData(node);
  assert.ok(Buffer.isBuffer(data));
  assert.equal(data.length, 0);
  await client.create(root.child('nodata'));
  assert.equal((await client.getData(root.child('nodata'))).data.length, 0);
});

test('watchers pending when the session dies are told (SessionLost), exactly once', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 4000 },
    proxy: false,
  });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const events: WatchEvent[] = [];
  await client.exists(root.child('never'), { watch: (e) => events.push(e) });
  await client.getChildren(root.path, { watch: (e) => events.push(e) });
  const old = client.session!.sessionId;
  await expireSession(client, server);
  await waitForNewSession(client, old);
  await client.create(root.child('never')); // must not fire the dead session's watch again
  await timing.sleep(200);
  assert.deepEqual(
    events.map((e) => e.type),
    ['SessionLost', 'SessionLost'],
  );
});

test('a watch fires once with its event', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const events: WatchEvent[] = [];
  await client.exists(root.child('w'), { watch: (e) => events.push(e) });
  await client.create(root.child('w'));
  await client.setData(root.child('w'), 'x');
  await timing.waitFor(() => events.length > 0, { message: 'the watch' });
  await timing.sleep(100);
  assert.deepEqual(events, [{ type: 'NodeCreated', path: root.child('w') }]);
});

test('close() leaves no handle that keeps the process alive', async () => {
  await using root = await TestRoot.create(server);
  const script = fileURLToPath(new URL('../support/no-handle-client.js', import.meta.url));
  const child = spawn(process.execPath, [script, server.connectString, root.path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timing.ms(10_000));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  assert.equal(signal, null, 'the child had to be killed: something kept it alive');
  assert.equal(code, 0);
});

test('after LOST the new session gets the credentials again', async () => {
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: 4000, auth: [{ scheme: 'digest', credentials: 'app:secret' }] }],
    proxy: false,
  });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('guarded');
  await client.create(node, 'v', {
    acl: [{ perms: Perms.ALL, scheme: 'digest', id: digestId('app', 'secret') }],
  });
  const old = client.session!.sessionId;
  await expireSession(client, server);
  await waitForNewSession(client, old);
  assert.equal((await client.getData(node)).data.toString(), 'v');
});

test('an operation the server is too old for is refused before sending, with a typed error', async () => {
  await using started = await startedClient({ connectString: server.connectString });
  const { client } = started;
  await timing.waitFor(() => client.serverVersion, { message: 'the server version' });
  // Pretend the server is 3.5 (the test server is 3.8): addWatch needs 3.6.
  const raw = (client as unknown as { s: { connection: { raw: { serverVersion: string } } } }).s
    .connection.raw;
  raw.serverVersion = '3.5.9';
  await assert.rejects(
    client.addWatch('/', () => undefined),
    (e: unknown) =>
      e instanceof ServerTooOldError &&
      e.code === 'SERVER_TOO_OLD' &&
      e.required === '3.6.0' &&
      e.serverVersion === '3.5.9',
  );
  await assertNoLeftoverWatches(server, { sessionId: client.session!.sessionId });
});

test('a handshake that is never answered costs at most a fifth of the session, not all of it', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 10_000 },
    root: false,
  });
  const { proxy } = fx;
  const [started] = fx.clients;
  proxy.partition(); // new connections: TCP accepted, no byte answered (a server caught starting)
  proxy.closeAll();
  await timing.sleep(500); // the reconnect right after the close
  const settled = proxy.acceptedCount;
  await timing.sleep(4500);
  const retries = proxy.acceptedCount - settled;
  // A 10 s session: an unanswered attempt is given up after 2 s, so two more come within 4.5 s.
  // Waiting 10 s on one attempt (the old bound) would leave nothing to retry with in time.
  assert.ok(retries >= 2, `silent handshakes given up and retried: ${retries} in 4.5 s`);
  proxy.heal();
  await timing.waitFor(() => started.client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  assert.equal(
    started.changes.at(-1)!.sessionId,
    started.changes[0]!.sessionId,
    'the same session',
  );
});
