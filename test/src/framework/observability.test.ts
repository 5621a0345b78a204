import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channels, retryNTimes, type Logger } from '@zk-recipes/core';
import { TestingServer, timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';

test('operations, retries, states and recipe events are published on diagnostics channels; the logger hears states', async () => {
  await using server = await TestingServer.start({ tickTimeMs: 200 });
  await using fx = await proxiedClients(server, { clients: 0 });
  const { root, proxy } = fx;
  const seen: Record<string, object[]> = { operation: [], retry: [], state: [], recipe: [] };
  const subs = Object.entries(channels).map(([name, ch]) => {
    const fn = (m: unknown) => seen[name]!.push(m as object);
    ch.subscribe(fn);
    return () => ch.unsubscribe(fn);
  });
  const logged: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (_o, msg) => logged.push(msg ?? ''),
    warn: () => undefined,
    error: () => undefined,
  };
  const { client } = await fx.add({
    sessionTimeoutMs: 6000,
    retryPolicy: retryNTimes(20, 50),
    logger,
  });
  try {
    await client.getData('/');
    const held = await client.contend(root.child('m'), { lockName: 'lock-' });
    await held.release();
    proxy.partition();
    const read = client.exists('/', { requestTimeoutMs: 200 });
    await timing.sleep(600);
    proxy.heal();
    await read;
    assert.ok(seen.operation!.some((m) => (m as { op: string }).op === 'getData'));
    assert.ok(seen.retry!.length > 0, 'retries were published');
    assert.ok(seen.state!.some((m) => (m as { state: string }).state === 'CONNECTED'));
    assert.deepEqual(
      seen
        .recipe!.filter((m) => (m as { recipe: string }).recipe === 'contender')
        .map((m) => (m as { event: string }).event),
      ['created', 'granted', 'released'],
    );
    assert.ok(logged.includes('zk state'));
  } finally {
    subs.forEach((off) => off());
  }
});
