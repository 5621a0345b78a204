// Issue 14, API parity: client.isConnected and blockUntilConnected({ signal, timeoutMs }),
// Curator's and kazoo's, with the connection cut by a FaultProxy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ClientClosedError,
  ConnectTimeoutError,
  createClient,
  InvalidArgumentError,
} from '@zk-recipes/core';
import { timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('isConnected follows the connection; blockUntilConnected resolves at once, times out, or waits for the reconnect', async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 10_000 }] });
  const { proxy } = fx;
  const [{ client, states }] = fx.clients;
  assert.equal(client.isConnected, true);
  await client.blockUntilConnected(); // connected: at once
  await client.blockUntilConnected({ timeoutMs: 0 });

  proxy.rejectConnections(); // the connection goes and no new one is let through
  await timing.waitFor(() => states().includes('SUSPENDED'));
  assert.equal(client.isConnected, false);

  const err = await client.blockUntilConnected({ timeoutMs: 200 }).then(
    () => assert.fail('connected through a proxy that rejects'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConnectTimeoutError, String(err));
  assert.equal(err.code, 'CONNECT_TIMEOUT');
  assert.match(err.message, /within 200 ms/);

  const reason = new Error('caller gave up');
  const controller = new AbortController();
  const aborted = client.blockUntilConnected({ signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(aborted, (e) => e === reason);
  await assert.rejects(
    client.blockUntilConnected({ signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );

  const waiting = client.blockUntilConnected({ timeoutMs: timing.ms(8000) });
  let settled = false;
  void waiting.then(
    () => (settled = true),
    () => (settled = true),
  );
  await timing.sleep(100);
  assert.equal(settled, false, 'waits while disconnected');
  proxy.heal();
  await waiting;
  assert.equal(client.isConnected, true);
  assert.equal(states().at(-1), 'RECONNECTED');
});

test('blockUntilConnected rejects with ClientClosedError when the client is or gets closed; checks its options', async () => {
  await using fx = await proxiedClients(server, { clients: 1 });
  const { proxy } = fx;
  const [{ client, states }] = fx.clients;
  await assert.rejects(client.blockUntilConnected({ timeoutMs: -1 }), InvalidArgumentError);
  await assert.rejects(
    client.blockUntilConnected({ signal: 'x' as unknown as AbortSignal }),
    InvalidArgumentError,
  );
  proxy.rejectConnections();
  await timing.waitFor(() => states().includes('SUSPENDED'));
  const pending = client.blockUntilConnected();
  await client.close();
  await assert.rejects(pending, ClientClosedError);
  assert.equal(client.isConnected, false);
  await assert.rejects(client.blockUntilConnected(), ClientClosedError);
});

test('before start() blockUntilConnected waits for the connect start() makes', async () => {
  await using client = createClient({ connectString: server.connectString });
  assert.equal(client.isConnected, false);
  const connected = client.blockUntilConnected({ timeoutMs: timing.ms(10_000) });
  await client.start();
  await connected;
  assert.equal(client.isConnected, true);
});
