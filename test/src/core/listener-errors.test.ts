// Issue 14: a listener that throws (state listener, watcher) went to a logger that is silent by
// default. Without a logger it is a process warning now; with one, the logger's `error`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient, type Logger } from '@zk-recipes/core';
import { timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

/** The warnings of code ZK_RECIPES_LISTENER_ERROR emitted while `run` runs. */
async function listenerWarnings(run: (warnings: Error[]) => Promise<void>): Promise<void> {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => {
    if ((w as { code?: string }).code === 'ZK_RECIPES_LISTENER_ERROR') warnings.push(w);
  };
  process.on('warning', onWarning);
  try {
    await run(warnings);
  } finally {
    process.off('warning', onWarning);
  }
}

test('without a logger, a throwing state listener or watcher is a process warning, and the client goes on', async () => {
  await listenerWarnings(async (warnings) => {
    await using fx = await proxiedClients(server, { clients: 0 });
    const { proxy, root } = fx;
    await using client = createClient({
      connectString: proxy.connectString,
      sessionTimeoutMs: 4000,
    });
    const seen: string[] = [];
    client.onStateChange(() => {
      throw new Error('listener bug');
    });
    client.onStateChange((c) => seen.push(c.state));
    await client.start();
    await timing.waitFor(() => warnings.length >= 1);
    assert.equal(warnings[0]!.name, 'ZkRecipesWarning');
    assert.match(
      warnings[0]!.message,
      /a state listener \(on CONNECTED\) threw: Error: listener bug/,
    );

    // The state machine went on: the other listener hears the reconnect, requests work.
    proxy.closeAll();
    await timing.waitFor(() => seen.includes('RECONNECTED'));
    assert.deepEqual(seen, ['CONNECTED', 'SUSPENDED', 'RECONNECTED']);
    await timing.waitFor(() => warnings.length >= 3); // SUSPENDED and RECONNECTED too

    const path = root.child('watched');
    await client.exists(path, {
      watch: () => {
        throw new Error('watcher bug');
      },
    });
    await client.create(path);
    await timing.waitFor(() =>
      warnings.some((w) => /a watch listener threw: Error: watcher bug/.test(w.message)),
    );
    await client.getData(path);
  });
});

test('with a logger, a throwing state listener goes to its error level and no warning is emitted', async () => {
  await listenerWarnings(async (warnings) => {
    const errors: string[] = [];
    const noop = () => undefined;
    const logger: Logger = {
      debug: noop,
      info: noop,
      warn: noop,
      error: (o, msg) => errors.push(`${msg}: ${String((o as { err: unknown }).err)}`),
    };
    await using client = createClient({ connectString: server.connectString, logger });
    client.onStateChange(() => {
      throw new Error('listener bug');
    });
    await client.start();
    await timing.waitFor(() => errors.length >= 1);
    assert.equal(errors[0], 'a state listener threw: Error: listener bug');
    await timing.sleep(50); // a warning would be emitted on the next tick
    assert.equal(warnings.length, 0);
  });
});
