// A client's close: bounded whatever the server does (close({ timeoutMs })), reported as one
// transition, CLOSED, to listeners, the logger and the state channel; a failed start() closes
// too. And DataTooLargeError reports the real sizes.
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { after, before, test } from 'node:test';
import {
  createClient,
  DataTooLargeError,
  InvalidArgumentError,
  type Logger,
  type StateChange,
} from '@zk-recipes/core';
import { TestingServer, TestRoot, timing } from '@zk-recipes/testing';
import { ephemeralsUnder, returnsWithinBound, untilState } from '../support/shutdown.js';

let server: TestingServer;
before(async () => {
  server = await TestingServer.start({ tickTimeMs: 200 });
});
after(async () => {
  await server?.close();
});

test('client.close() returns within the bound while SUSPENDED and after LOST; its nodes go with its session', async () => {
  await using root = await TestRoot.create(server);
  const suspended = createClient({ connectString: server.connectString, sessionTimeoutMs: 1500 });
  const lost = createClient({ connectString: server.connectString, sessionTimeoutMs: 1500 });
  try {
    await suspended.start();
    await lost.start();
    await suspended.create(root.child('a'), '', { mode: 'EPHEMERAL' });
    await lost.create(root.child('b'), '', { mode: 'EPHEMERAL' });
    await server.stop();
    await untilState(suspended, 'SUSPENDED');
    await returnsWithinBound('client.close() while SUSPENDED', () => suspended.close());
    assert.equal(suspended.state, 'CLOSED');
    await untilState(lost, 'LOST');
    await returnsWithinBound('client.close() after LOST', () => lost.close());
    assert.equal(lost.state, 'CLOSED');
  } finally {
    await suspended.close();
    await lost.close();
  }
  await server.restart();
  await timing.waitFor(async () => (await ephemeralsUnder(server, root.path)).length === 0, {
    message: 'the sessions to expire with their nodes',
  });
});

test('client.close({ timeoutMs }) bounds the wait for a server that does not answer', async (t) => {
  const client = createClient({ connectString: server.connectString, sessionTimeoutMs: 10_000 });
  await client.start();
  // The server stops answering (SIGSTOP): the connection is up, the close request unanswered.
  process.kill(server.pid!, 'SIGSTOP');
  try {
    const began = performance.now();
    await client.close({ timeoutMs: 300 });
    const took = performance.now() - began;
    // Without the bound, close waits the default 2 s: this is what the test holds it to.
    assert.ok(took < timing.ms(1000), `no longer than its timeoutMs (${Math.round(took)} ms)`);
    // Usually it waits out its 300 ms; one fresh-clone run saw it return in 8 ms (cause not
    // found: reported, not failed, as returning early breaks no promise of close()).
    if (took < 250) t.diagnostic(`close returned in ${Math.round(took)} ms, before its timeoutMs`);
    assert.equal(client.state, 'CLOSED');
  } finally {
    process.kill(server.pid!, 'SIGCONT');
  }
});

test('client.close() refuses a bad timeoutMs before closing anything', async () => {
  const client = createClient({ connectString: server.connectString });
  await client.start();
  try {
    for (const timeoutMs of [-1, Number.NaN, Infinity, '5', 2 ** 31]) {
      await assert.rejects(
        client.close({ timeoutMs } as unknown as { timeoutMs: number }),
        (e: unknown) => e instanceof InvalidArgumentError && e.field === 'timeoutMs',
      );
    }
    await assert.rejects(
      client.close(null as unknown as object),
      (e: unknown) => e instanceof InvalidArgumentError && e.field === 'options',
    );
    assert.equal(client.state, 'CONNECTED', 'nothing was closed');
    await client.close({ timeoutMs: 0 });
    assert.equal(client.state, 'CLOSED');
  } finally {
    await client.close();
  }
});

test('a graceful close reports one transition, CLOSED, to listeners, the logger and the state channel', async () => {
  const logged: object[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (o) => void logged.push(o),
    warn: () => undefined,
    error: () => undefined,
  };
  const client = createClient({ connectString: server.connectString, logger });
  const heard: StateChange[] = [];
  client.onStateChange((c) => heard.push(c));
  await client.start();
  const sessionId = client.session!.sessionId;
  const published: StateChange[] = [];
  const onMessage = (m: unknown) => {
    if ((m as StateChange).sessionId === sessionId) published.push(m as StateChange);
  };
  diagnostics.subscribe('zk-recipes:state', onMessage);
  try {
    await client.close();
  } finally {
    diagnostics.unsubscribe('zk-recipes:state', onMessage);
  }
  assert.deepEqual(
    heard.map((c) => [c.previous, c.state]),
    [
      ['LATENT', 'CONNECTED'],
      ['CONNECTED', 'CLOSED'],
    ],
  );
  assert.deepEqual(
    published.map((c) => c.state),
    ['CLOSED'],
  );
  const states = logged.map((o) => (o as { state?: string }).state).filter(Boolean);
  assert.deepEqual(states, ['CONNECTED', 'CLOSED']);
  assert.equal(client.holdSignal().aborted, true, 'nothing is held after close');
});

test('a failed start() leaves the client CLOSED, and says so once', async () => {
  const client = createClient({ connectString: '127.0.0.1:1', sessionTimeoutMs: 2000 });
  const heard: string[] = [];
  client.onStateChange((c) => heard.push(`${c.previous}->${c.state}`));
  assert.equal(client.state, 'LATENT');
  await assert.rejects(client.start({ timeoutMs: 300 }));
  assert.equal(client.state, 'CLOSED');
  assert.deepEqual(heard, ['LATENT->CLOSED']);
});

test('DataTooLargeError reports the real size of the request and the limit', async () => {
  await using root = await TestRoot.create(server);
  const client = createClient({ connectString: server.connectString });
  await client.start();
  try {
    const path = root.child('big');
    const data = Buffer.alloc(1_048_000); // under the limit itself: the request is not
    await assert.rejects(client.create(path, data), (e: unknown) => {
      assert.ok(e instanceof DataTooLargeError);
      const expected = data.length + Buffer.byteLength(path) + e.overheadBytes;
      assert.equal(e.dataBytes, 1_048_000);
      assert.equal(e.bytes, expected, 'the request, not its data');
      assert.ok(e.bytes > e.maxPacketBytes, 'a size that does exceed the limit');
      assert.equal(e.maxPacketBytes, 1024 * 1024);
      assert.match(e.message, new RegExp(`a request of ${expected} bytes`));
      assert.match(e.message, /1048000 bytes of data/);
      assert.match(e.message, /packet limit of 1048576 bytes/);
      return true;
    });
  } finally {
    await client.close();
  }
});
