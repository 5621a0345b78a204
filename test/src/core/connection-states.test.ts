import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionExpiredError } from '@zk-recipes/core';
import { expireSession, TestRoot, WireClient, timing } from '@zk-recipes/testing';
import { assertLegalSequence, startedClient, waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('CONNECTED on start, SUSPENDED on a dropped connection, RECONNECTED to the same session', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 4000 },
    root: false,
  });
  const { proxy } = fx;
  const [started] = fx.clients;
  const { client, changes, states } = started;
  assert.equal(client.state, 'CONNECTED');
  const sessionId = client.session!.sessionId;
  const hold = client.holdSignal();
  assert.equal(hold.aborted, false);
  proxy.closeAll();
  await timing.waitFor(() => client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  assert.deepEqual(states(), ['CONNECTED', 'SUSPENDED', 'RECONNECTED']);
  assert.equal(changes[2]!.sessionId, sessionId, 'same session after a short disconnect');
  assert.equal(client.session!.signal.aborted, false, 'the session was not lost');
  assert.equal(hold.aborted, true, 'standard policy: SUSPENDED ends what was held');
  assert.equal(client.holdSignal().aborted, false, 'a new hold signal after RECONNECTED');
});

test('errorPolicy session: SUSPENDED does not abort the hold signal, LOST does', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 4000, errorPolicy: 'session' },
    root: false,
  });
  const { proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const hold = client.holdSignal();
  proxy.closeAll();
  await timing.waitFor(() => client.state === 'RECONNECTED', { message: 'RECONNECTED' });
  assert.equal(hold.aborted, false);
  assert.equal(client.isHoldingLost('SUSPENDED'), false);
  assert.equal(client.isHoldingLost('LOST'), true);
  await expireSession(client, server);
  await timing.waitFor(() => hold.aborted, { message: 'hold signal to abort on LOST' });
});

test('session expiry: LOST, then a new session by itself (RECONNECTED, new id); old signal aborts', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 4000 },
    proxy: false,
  });
  const { root } = fx;
  const [started] = fx.clients;
  const { client, changes, states } = started;
  const first = client.session!;
  await client.create(root.child('eph'), 'x', { mode: 'EPHEMERAL' });
  await expireSession(client, server);
  await waitForNewSession(client, first.sessionId);
  // The original client may briefly take its session back from expireSession's twin
  // connection (SUSPENDED, RECONNECTED) before the close lands: legal, and allowed here.
  assertLegalSequence(states());
  assert.deepEqual(states().slice(-3), ['SUSPENDED', 'LOST', 'RECONNECTED']);
  assert.equal(changes.at(-2)!.reason, 'expired');
  assert.ok(first.signal.aborted);
  assert.ok(first.signal.reason instanceof SessionExpiredError);
  assert.notEqual(client.session!.sessionId, first.sessionId, 'a new session');
  assert.equal(changes.at(-1)!.sessionId, client.session!.sessionId);
  assert.equal(await client.exists(root.child('eph')), null, "the old session's ephemeral is gone");
  await client.create(root.child('eph2'), 'y', { mode: 'EPHEMERAL' }); // the new session works
});

test('silent partition: the holder hears SUSPENDED before anyone can see its ephemeral deleted', async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 2000 }] });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client, states } = started;
  const observer = await WireClient.connect({ connectString: server.connectString });
  try {
    const node = root.child('held');
    await client.create(node, '', { mode: 'EPHEMERAL' });
    let suspendedAt = 0;
    let lostAt = 0;
    client.onStateChange((c) => {
      if (c.state === 'SUSPENDED') suspendedAt = performance.now();
      if (c.state === 'LOST') lostAt = performance.now();
    });
    const partitionedAt = performance.now();
    proxy.partition();
    const goneAt = await timing.waitFor(
      async () => ((await observer.exists(node)) === null ? performance.now() : 0),
      { timeoutMs: 10_000, intervalMs: 10, message: 'the server to expire the session' },
    );
    assert.ok(suspendedAt > 0, 'SUSPENDED was reported');
    assert.ok(
      suspendedAt < goneAt,
      `SUSPENDED at +${Math.round(suspendedAt - partitionedAt)} ms, node gone at +${Math.round(goneAt - partitionedAt)} ms`,
    );
    await timing.waitFor(() => lostAt > 0, { message: 'LOST after the session timeout' });
    proxy.heal();
    await timing.waitFor(() => client.state === 'RECONNECTED', { message: 'a new session' });
    assert.deepEqual(states(), ['CONNECTED', 'SUSPENDED', 'LOST', 'RECONNECTED']);
  } finally {
    await observer.closeSession();
  }
});

test('close() reports CLOSED, once, is idempotent, and its ephemerals go at once', async () => {
  await using root = await TestRoot.create(server);
  const { client, changes, states } = await startedClient({ connectString: server.connectString });
  await client.create(root.child('eph'), '', { mode: 'EPHEMERAL' });
  await Promise.all([client.close(), client.close()]);
  await client.close();
  // A graceful close is one transition, CLOSED: it reported SUSPENDED and LOST (reason
  // 'closed'), so a SUSPENDED alert fired on every deploy (issue 14).
  assert.deepEqual(states(), ['CONNECTED', 'CLOSED']);
  assert.equal(changes.at(-1)!.reason, undefined);
  const c = await WireClient.connect({ connectString: server.connectString });
  assert.equal(await c.exists(root.child('eph')), null);
  await c.closeSession();
});
