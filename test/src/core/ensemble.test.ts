import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestingCluster, WireClient, timing } from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';

test('a server list with a chroot: when its server dies, the client moves to another and keeps the session', async () => {
  await using cluster = await TestingCluster.start({ size: 3, tickTimeMs: 200 });
  const setup = await WireClient.connect({ connectString: cluster.connectString });
  await setup.create('/app');
  await setup.closeSession();

  await using started = await startedClient({
    connectString: `${cluster.connectString}/app`,
    sessionTimeoutMs: 8000,
  });
  const { client, changes, states } = started;
  const sessionId = client.session!.sessionId;
  const eph = await client.create('/worker', 'me', { mode: 'EPHEMERAL' });
  assert.equal(eph.path, '/worker');
  const first = client.connectedServer!;
  const index = [0, 1, 2].find((i) => first.endsWith(`:${cluster.portOf(i)}`))!;
  assert.ok(index !== undefined, `connected to ${first}`);

  await cluster.kill(index);
  await timing.waitFor(() => client.state === 'RECONNECTED', {
    timeoutMs: 15_000,
    message: 'RECONNECTED on another server',
  });
  assert.deepEqual(states(), ['CONNECTED', 'SUSPENDED', 'RECONNECTED']);
  assert.equal(changes.at(-1)!.sessionId, sessionId, 'the same session');
  assert.notEqual(client.connectedServer, first, 'on another server now');
  assert.equal(client.session!.signal.aborted, false);
  const { data, stat } = await client.getData('/worker');
  assert.equal(data.toString(), 'me');
  assert.equal(stat.ephemeralOwner, sessionId, 'the ephemeral survived the move');
  await cluster.restart(index);
});
