// The kit's findLostCreate against a real server: after a create whose reply was lost (the
// FaultProxy lets the create reach the server, drops its reply and cuts the connection), the node
// it made is found by name and owner (a kept sequential node, a queue's claim), never another
// session's; asked again while the connection is down, and given up once the session ended.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRetryable, noRetry } from '@zk-recipes/core';
import { findLostCreate } from '@zk-recipes/core/recipe';
import { expireSession, FaultProxy, TestRoot } from '@zk-recipes/testing';
import { settledWithin, startedClient, waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('findLostCreate: a sequential create whose reply was lost is found by name and owner (not the same name of another session, not another name), null where none was made', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using a = await startedClient({ connectString: proxy.connectString });
  await using other = await startedClient({ connectString: server.connectString });
  try {
    const parent = root.child('seq');
    await other.client.create(`${parent}/n-`, 'theirs', {
      mode: 'EPHEMERAL_SEQUENTIAL',
      createParents: true,
    });
    await a.client.create(`${parent}/n-x`, 'not a sequential of n-', { mode: 'EPHEMERAL' });
    await other.client.create(`${parent}/m-`, 'another name', { mode: 'EPHEMERAL_SEQUENTIAL' });
    const sessionId = a.client.session!.sessionId;
    const dropped = proxy.dropNextReply({ op: 'create', path: `${parent}/n-` });
    await assert.rejects(
      a.client.create(`${parent}/n-`, 'ours', {
        mode: 'EPHEMERAL_SEQUENTIAL',
        retryPolicy: noRetry,
      }),
      (e) => isRetryable(e),
    );
    await dropped;
    const found = await findLostCreate(a.client, `${parent}/n-`, {
      sessionId,
      sequential: true,
      withData: true,
    });
    assert.equal(found?.stat.ephemeralOwner, sessionId);
    assert.equal(found?.data?.toString(), 'ours');
    assert.match(found.path, /\/n-\d{10}$/);
    const mine = (await other.client.getChildren(parent)).children
      .filter((c) => c.startsWith('n-0'))
      .map((c) => `${parent}/${c}`);
    assert.equal(mine.length, 2, 'theirs and ours');
    assert.ok(mine.includes(found.path));

    // Nothing of ours under a name, or no parent at all: null.
    const none = { sessionId, sequential: true };
    assert.equal(await findLostCreate(a.client, `${parent}/m-`, none), null, "only another's");
    assert.equal(await findLostCreate(a.client, root.child('none/n-'), none), null);
  } finally {
    await root.remove();
  }
});

test("findLostCreate: a claim's create lost in a multi is found while the connection comes back (asked again until answered), and the answer is undefined once the session ended", async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using a = await startedClient({ connectString: proxy.connectString });
  await using admin = await startedClient({ connectString: server.connectString });
  try {
    const lock = root.child('lock');
    const sessionId = a.client.session!.sessionId;
    const dropped = proxy.dropNextReply({ op: 'multi' });
    await assert.rejects(a.client.multi([{ op: 'create', path: lock, mode: 'EPHEMERAL' }]));
    await dropped;
    proxy.rejectConnections(); // down for a while: the question waits for an answer
    const asking = findLostCreate(a.client, lock, { sessionId, untilAnswered: true });
    assert.equal(await settledWithin(asking, 300), false, 'still asking while down');
    proxy.heal();
    const found = await asking;
    assert.equal(found?.path, lock);
    assert.equal(found?.stat.ephemeralOwner, sessionId, 'ours: the claim went through');

    // Another session's node at the path is returned as it is: the caller tells it is not ours.
    await admin.client.create(root.child('theirs'), '', { mode: 'EPHEMERAL' });
    const theirs = await findLostCreate(a.client, root.child('theirs'), { sessionId });
    assert.equal(theirs?.stat.ephemeralOwner, admin.client.session!.sessionId);

    // The session ends while it asks: undefined (its ephemerals went with it).
    proxy.rejectConnections();
    const late = findLostCreate(a.client, root.child('never'), { sessionId, untilAnswered: true });
    await expireSession(a.client, server);
    proxy.heal();
    assert.equal(await late, undefined);
    await waitForNewSession(a.client, sessionId);
  } finally {
    await root.remove();
  }
});
