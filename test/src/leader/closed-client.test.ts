// No election on a closed client resolves and then waits for ever: start() rejects with
// ClientClosedError, as a lock's acquire does, and a wait pending when the client closes ends
// with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientClosedError } from '@zk-recipes/core';
import { LeaderLatch, LeaderSelector, runWhileLeader } from '@zk-recipes/leader';
import { assertNoLeftoverNodes, timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test('LeaderLatch, LeaderSelector and runWhileLeader on a closed client reject with ClientClosedError', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [{ client }] = fx.clients;
  await client.close();
  const path = root.child('election');
  const latch = new LeaderLatch(client, path);
  await assert.rejects(latch.start(), ClientClosedError);
  assert.equal(latch.state, 'CLOSED', 'a failed start leaves nothing running');
  const selector = new LeaderSelector(client, path, { takeLeadership: () => undefined });
  await assert.rejects(selector.start(), ClientClosedError);
  assert.equal(selector.state, 'CLOSED');
  const errors: unknown[] = [];
  let elected = 0;
  await assert.rejects(
    runWhileLeader(client, path, {
      onElected: () => void elected++,
      onError: (e) => errors.push(e),
    }),
    ClientClosedError,
  );
  assert.equal(elected, 0);
  assert.deepEqual(errors, [], 'the rejection says it; onError is not told twice');
  await assertNoLeftoverNodes(server, root.path);
});

test('a pending awaitLeadership() rejects with ClientClosedError when the client closes', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const path = root.child('election');
  await using leader = new LeaderLatch(a.client, path, { id: 'a' });
  await leader.start();
  await leader.awaitLeadership({ timeoutMs: timing.ms(10_000) });
  const waiting = new LeaderLatch(b.client, path, { id: 'b' });
  await waiting.start();
  assert.equal((await waiting.getParticipants()).length, 2, 'start() resolves in line');
  // A bound, so that a wait that hangs fails as AcquireTimeoutError rather than stall the test.
  const pending = waiting.awaitLeadership({ timeoutMs: timing.ms(20_000) });
  const rejected = assert.rejects(pending, ClientClosedError);
  await b.client.close();
  await rejected;
  await assert.rejects(waiting.awaitLeadership(), ClientClosedError, 'and every later wait');
  await waiting.close();
  await leader.close();
  await assertNoLeftoverNodes(server, path);
});
