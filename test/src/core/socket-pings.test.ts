// Core makes the connection's socket itself and pings from its watchdog's interval, not from a
// socket idle timer (packages/core/src/driver/socket.ts): an idle client must still keep its
// session, and must not ping more than it needs to.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TestingServer } from '@zk-recipes/testing';
import {
  connectionManagerOf,
  countSocketWrites,
  eventually,
  startedClient,
} from '../support/core-helpers.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('an idle client keeps its session: it pings within a third of the timeout, with no socket timer', async () => {
  const SESSION_MS = 2000;
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: SESSION_MS }, {}],
    proxy: false,
  });
  const { root } = fx;
  const [idle, observer] = fx.clients;
  const node = root.child('ephemeral');
  await idle.client.create(node, '', { mode: 'EPHEMERAL' });
  const sessionId = idle.client.session?.sessionId;
  const socket = connectionManagerOf(idle.client).socket;
  // Node refreshes a socket's idle timer on every read and write; this socket has none.
  assert.equal(socket.timeout, undefined, 'no idle timer on the socket');
  const writes = countSocketWrites(idle.client);
  // 1.75 session timeouts with nothing to send: without pings the server expires the session
  // at 2 s, and the client's watchdog drops the silent connection at 1.33 s before that.
  await sleep(SESSION_MS * 1.75);
  writes.restore();
  // A ping leaves after 4/15 to 5/15 of the timeout without a request: 6 to 7 in 3.5 s.
  assert.ok(writes.count >= 4 && writes.count <= 8, `${writes.count} pings in 3.5 s`);
  assert.deepEqual(idle.states(), ['CONNECTED'], 'never suspended');
  assert.equal(idle.client.session?.sessionId, sessionId);
  assert.equal(connectionManagerOf(idle.client).socket, socket, 'the same connection');
  assert.notEqual(await observer.client.exists(node), null, 'its ephemeral node is still there');
});

test('a client that only receives (a persistent watch on a busy node) still pings: reads do not count as sent', async () => {
  const SESSION_MS = 1000;
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: SESSION_MS }, {}],
    proxy: false,
  });
  const { root } = fx;
  const [watcher, writer] = fx.clients;
  const node = root.child('busy');
  await writer.client.create(node, '0');
  await watcher.client.create(root.child('mine'), '', { mode: 'EPHEMERAL' });
  let events = 0;
  await using watch = await watcher.client.addWatch(node, () => events++);
  void watch;
  const sessionId = watcher.client.session?.sessionId;
  // A notification every 50 ms for 3 session timeouts, and nothing for the watcher to send: a
  // ping timer refreshed by reads (a socket idle timeout) would never fire, and the server would
  // expire the session after one timeout.
  const until = Date.now() + SESSION_MS * 3;
  for (let i = 1; Date.now() < until; i++) {
    await writer.client.setData(node, String(i));
    await sleep(50);
  }
  assert.ok(events > 20, `${events} events heard`);
  assert.deepEqual(watcher.states(), ['CONNECTED'], 'never suspended');
  assert.equal(watcher.client.session?.sessionId, sessionId, 'the same session');
  assert.notEqual(await writer.client.exists(root.child('mine')), null, 'its ephemeral is there');
});

test('a reconnect that negotiates a shorter timeout pings at the new pace', async () => {
  // The same session comes back from a restarted server that grants less (its maximum lowered):
  // the client must ping within a third of the new timeout, not of the first one (pinging at
  // the first one's pace, its silence limit dropped the connection every 1.5 s).
  await using own = await TestingServer.start({ maxSessionTimeoutMs: 6000 });
  await using c = await startedClient({
    connectString: own.connectString,
    sessionTimeoutMs: 6000,
  });
  const sessionId = c.client.session?.sessionId;
  assert.equal(c.client.session?.negotiatedTimeoutMs, 6000);
  const cfg = path.join(own.dir, 'zoo.cfg');
  fs.writeFileSync(
    cfg,
    fs.readFileSync(cfg, 'utf8').replace(/maxSessionTimeout=\d+/, 'maxSessionTimeout=1500'),
  );
  await own.restart();
  await eventually(() => c.states().at(-1) === 'RECONNECTED', 10_000, 'RECONNECTED');
  assert.equal(c.client.session?.sessionId, sessionId, 'the same session');
  const cm = connectionManagerOf(c.client) as unknown as { sessionTimeout: number };
  assert.equal(cm.sessionTimeout, 1500, 'the timeout the server granted on reconnect');
  // What LOST and a holder's silence limit go by: the grant of this connection, not the first.
  assert.equal(c.client.session?.negotiatedTimeoutMs, 1500);
  const before = c.states().length;
  // Three of the new timeouts with nothing to send.
  await sleep(4500);
  assert.deepEqual(c.states().slice(before), [], 'never suspended again');
  assert.equal(c.client.session?.sessionId, sessionId, 'the same session');
});

test('a reply that arrived while the event loop was blocked counts as heard: the connection is not dropped for silence', async () => {
  const SESSION_MS = 3000; // the silence limit is 2 s
  await using fx = await proxiedClients(server, {
    clients: [{ sessionTimeoutMs: SESSION_MS }],
    proxy: false,
  });
  const [c] = fx.clients;
  const sessionId = c.client.session?.sessionId;
  const socket = connectionManagerOf(c.client).socket;
  await sleep(300); // the last read is now 300 ms old
  const read = c.client.exists(fx.root.path);
  // Blocked longer than the silence limit in the loop's check phase, with the reply arriving
  // meanwhile: the next turn runs the watchdog's overdue tick (timers) before it reads (poll).
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      const until = performance.now() + 2300;
      while (performance.now() < until) {
        // busy, as a long synchronous task or a long pause would be
      }
      resolve();
    }),
  );
  assert.notEqual(await read, null);
  await sleep(100);
  assert.deepEqual(c.states(), ['CONNECTED'], 'never suspended');
  assert.equal(connectionManagerOf(c.client).socket, socket, 'the same connection');
  assert.equal(c.client.session?.sessionId, sessionId);
});
