// A call's signal ends it at once, whatever ZooKeeper does: with the server gone, an aborted
// read or delete used to wait for the session's end (seconds) and an aborted write went out after the
// reconnect. Now the call rejects with the signal's reason at once, and a request not yet
// written is taken back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, retryNTimes } from '@zk-recipes/core';
import { TestingServer, TestRoot, timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { abortedWithinBound, returnsWithinBound, untilState } from '../support/shutdown.js';

let server: TestingServer;
before(async () => {
  server = await TestingServer.start();
});
after(async () => {
  await server?.close();
});

test('while ZooKeeper is gone, an aborted call rejects at once with the signal reason, and an aborted create or delete never goes out after the reconnect, and an aborted guaranteed delete is finished in the background', async () => {
  await using root = await TestRoot.create(server);
  const client = createClient({ connectString: server.connectString, sessionTimeoutMs: 20_000 });
  try {
    await client.start();
    await client.create(root.child('x'), 'x');
    await client.create(root.child('g'), 'g');
    const session = client.session?.sessionId;
    await server.stop();
    await untilState(client, 'SUSPENDED');

    // A read whose signal times out: rejects with the TimeoutError, not at the session's end.
    await returnsWithinBound('getData with a 300 ms signal', () =>
      assert.rejects(
        client.getData(root.child('x'), { signal: AbortSignal.timeout(300) }),
        (e: Error) => e.name === 'TimeoutError',
      ),
    );

    // A create queued during the outage, then aborted: rejects with the caller's reason...
    const ac = new AbortController();
    const late = client.create(root.child('late'), 'late', { signal: ac.signal });
    await abortedWithinBound('an aborted create', ac, late);

    // A delete likewise: its first attempt was not raced with the signal and waited for the
    // session's end (a barrier's remove({ timeoutMs }) did), and it went out after the reconnect.
    const gone = new AbortController();
    const deleting = client.delete(root.child('x'), { signal: gone.signal });
    await abortedWithinBound('an aborted delete', gone, deleting);
    // A guaranteed delete left so keeps its guarantee: the background job deletes the node.
    const given = new AbortController();
    const guaranteed = client.delete(root.child('g'), { guaranteed: true, signal: given.signal });
    await abortedWithinBound('an aborted guaranteed delete', given, guaranteed);

    // ... and, taken back before it was written, is not applied when the server is back.
    await server.restart();
    await untilState(client, 'RECONNECTED');
    assert.equal(client.session?.sessionId, session, 'the session survived the outage');
    await client.sync(root.path);
    assert.equal(await client.exists(root.child('late')), null);
    assert.equal((await client.getData(root.child('x'))).data.toString(), 'x');
    await timing.waitFor(async () => (await client.exists(root.child('g'))) === null, {
      message: 'the guaranteed delete finished in the background',
    });
  } finally {
    await client.close();
  }
});

test("a delete's retry queued while the connection is down is taken back when the signal aborts: it never goes out after the reconnect", async () => {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const {
    root,
    proxy,
    clients: [{ client }],
  } = fx;
  const x = root.child('x');
  await client.create(x, 'x');
  const deletes = proxy.requestCount('delete');
  // The first attempt reaches the server, its reply is lost with the connection, and the
  // connection stays down: the retry waits in the queue for a reconnect.
  const lost = proxy.dropNextReply({ op: 'delete', path: x }).then(() => proxy.rejectConnections());
  const ac = new AbortController();
  const deleting = client.delete(x, { signal: ac.signal, retryPolicy: retryNTimes(5, 10) });
  await lost;
  await untilState(client, 'SUSPENDED');
  await abortedWithinBound('an aborted delete retry', ac, deleting);
  proxy.heal();
  await untilState(client, 'RECONNECTED');
  await client.sync(root.path); // written behind anything queued during the outage
  assert.equal(proxy.requestCount('delete'), deletes + 1, 'only the first attempt went out');
});
