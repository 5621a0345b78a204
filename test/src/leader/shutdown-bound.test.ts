// With ZooKeeper gone, LeaderLatch.close(), a LeaderSelector's close() and runWhileLeader's
// close() return within the documented bound (RELEASE_BOUND_MS), instead of waiting for a
// delete's retries (182 s with a stopped server); their nodes go once the server is back
// (the background job, on the same session) or with their session.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type ZkClient } from '@zk-recipes/core';
import { LeaderLatch, LeaderSelector, runWhileLeader } from '@zk-recipes/leader';
import { TestingServer, TestRoot, timing } from '@zk-recipes/testing';
import { ephemeralsUnder, returnsWithinBound, untilState } from '../support/shutdown.js';

let server: TestingServer;
before(async () => {
  server = await TestingServer.start({ tickTimeMs: 200 });
});
after(async () => {
  await server?.close();
});

const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));

/** A leading latch, selector and runWhileLeader task, each alone on its path under `root`. */
async function leaders(client: ZkClient, root: TestRoot) {
  const latch = new LeaderLatch(client, root.child('latch'));
  await latch.start();
  await latch.awaitLeadership({ timeoutMs: timing.ms(10_000) });
  const selector = new LeaderSelector(client, root.child('selector'), {
    takeLeadership: untilAborted,
  });
  await selector.start();
  const task = await runWhileLeader(client, root.child('task'), { onElected: untilAborted });
  await timing.waitFor(() => selector.hasLeadership() && task.isLeader, {
    message: 'the selector and the task to lead',
  });
  assert.equal((await ephemeralsUnder(server, root.path)).length, 3);
  return { latch, selector, task };
}

async function closeEach(l: Awaited<ReturnType<typeof leaders>>): Promise<void> {
  await returnsWithinBound('LeaderLatch.close()', () => l.latch.close());
  await returnsWithinBound('LeaderSelector.close()', () => l.selector.close());
  await returnsWithinBound("runWhileLeader's close()", () => l.task.close());
}

test('while SUSPENDED, the elections close within the bound; their nodes go once the server is back', async () => {
  await using root = await TestRoot.create(server);
  // A session that outlives the server's restart, so the client comes back to it.
  await using client = createClient({
    connectString: server.connectString,
    sessionTimeoutMs: 30_000,
  });
  await client.start();
  const l = await leaders(client, root);
  const sessionId = client.session!.sessionId;
  await server.stop();
  await untilState(client, 'SUSPENDED');
  await closeEach(l);
  await server.restart();
  await untilState(client, 'RECONNECTED');
  assert.equal(client.session!.sessionId, sessionId, 'the same session came back');
  await timing.waitFor(async () => (await ephemeralsUnder(server, root.path)).length === 0, {
    message: 'the background job to delete the three nodes',
  });
  assert.equal(client.session!.sessionId, sessionId, 'deleted while the session lives on');
});

test('after LOST, the elections close within the bound; their nodes went with the session', async () => {
  await using root = await TestRoot.create(server);
  await using client = createClient({
    connectString: server.connectString,
    sessionTimeoutMs: 1500,
  });
  await client.start();
  const l = await leaders(client, root);
  await server.stop();
  await untilState(client, 'LOST');
  await closeEach(l);
  await server.restart();
  await timing.waitFor(async () => (await ephemeralsUnder(server, root.path)).length === 0, {
    message: 'no node of a closed election once the server is back',
  });
  // Nothing is made later either: a closed election does not join the line again.
  await timing.sleep(1000);
  assert.deepEqual(await ephemeralsUnder(server, root.path), []);
});
