// multi with container and TTL creates (core serializes the transaction itself: the package's
// knows neither), against a real server with TTL nodes enabled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError, NodeExistsError } from '@zk-recipes/core';
import { TestRoot } from '@zk-recipes/testing';
import { eventually, startedClient } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200, containerCheckIntervalMs: 100 });

test('multi: a container and a TTL child in one transaction; all or nothing; a TTL is checked before sending', async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({
    connectString: server.connectString,
    namespace: root.path.slice(1),
  });
  try {
    const results = await c.client.multi([
      { op: 'create', path: '/box', data: 'd', mode: 'CONTAINER' },
      { op: 'create', path: '/box/t', data: 'x', mode: 'PERSISTENT_WITH_TTL', ttlMs: 600 },
      { op: 'create', path: '/box/s-', mode: 'PERSISTENT_SEQUENTIAL_WITH_TTL', ttlMs: 600 },
    ]);
    assert.deepEqual(results.slice(0, 2), [
      { op: 'create', path: '/box' },
      { op: 'create', path: '/box/t' },
    ]);
    assert.match((results[2] as { path: string }).path, /^\/box\/s-\d{10}$/);
    assert.equal((await c.client.getData('/box')).data.toString(), 'd');
    // All or nothing: the second op fails, the first is not applied. (The node that makes it
    // fail must not be a TTL node: on a loaded machine that one may have expired already.)
    await c.client.create('/keep', '');
    await assert.rejects(
      c.client.multi([
        { op: 'create', path: '/other', mode: 'CONTAINER' },
        { op: 'create', path: '/keep', mode: 'PERSISTENT_WITH_TTL', ttlMs: 600 },
      ]),
      (e) => e instanceof NodeExistsError && (e as { opIndex?: number }).opIndex === 1,
    );
    assert.equal(await c.client.exists('/other'), null);
    // The TTL children expire, then the container is reaped with them.
    await eventually(async () => (await c.client.exists('/box')) === null, 8000, 'reaped');
    for (const [mode, ttlMs] of [
      ['PERSISTENT_WITH_TTL', undefined],
      ['PERSISTENT_WITH_TTL', -5],
      ['CONTAINER', 100],
    ] as const) {
      await assert.rejects(
        c.client.multi([
          { op: 'create', path: '/x', mode, ...(ttlMs === undefined ? {} : { ttlMs }) },
        ]),
        (e) => e instanceof InvalidArgumentError && e.field === 'ops.0.ttlMs',
      );
    }
  } finally {
    await root.remove();
  }
});
