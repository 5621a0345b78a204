// Credentials the server refuses: the client goes LOST (reason authFailed) and tries a new session
// after a backoff. A request made meanwhile is told why, AuthFailedError, never ClientClosedError
// on a client nobody closed: a leader election stopped for good and silently on that error. The
// backoff grows between refused sessions (it stayed at 500 ms). Credentials refused on a live
// connection end the session with a request written and unanswered: ConnectionLossError (its
// outcome unknown), as failAll says of one written, never SessionExpiredError ("not applied").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AuthFailedError,
  ConnectionLossError,
  createClient,
  noRetry,
  type StateChange,
} from '@zk-recipes/core';
import { LeaderLatch } from '@zk-recipes/leader';
import { timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('refused credentials: requests while the client backs off fail AuthFailedError (not ClientClosedError), a leader election reports it, and the backoff between new sessions grows', async () => {
  const client = createClient({
    connectString: server.connectString,
    sessionTimeoutMs: 4000,
    // No such scheme on the server: it answers AUTHFAILED and closes the connection.
    auth: [{ scheme: 'no-such-scheme', credentials: 'x' }],
  });
  const changes: StateChange[] = [];
  const refusedAt: number[] = [];
  client.onStateChange((c) => {
    changes.push(c);
    if (c.state === 'LOST' && c.reason === 'authFailed') refusedAt.push(Date.now());
  });
  try {
    await client.start({ timeoutMs: 10_000 }).catch(() => undefined);
    await timing.waitFor(
      () => changes.some((c) => c.state === 'LOST' && c.reason === 'authFailed'),
      {
        message: 'LOST with reason authFailed',
      },
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      errors.push(
        await client.getData('/').then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    const failed = errors.filter((e) => e !== undefined);
    assert.ok(failed.length > 0, 'requests failed while the credentials were refused');
    for (const e of failed) {
      assert.ok(e instanceof AuthFailedError, `got ${(e as Error).name}: ${(e as Error).message}`);
      assert.equal(e.code, 'AUTHFAILED');
    }
    assert.notEqual(client.state, 'CLOSED');

    const latch = new LeaderLatch(client, '/auth-failed-election');
    const errorsHeard: unknown[] = [];
    latch.on('error', (e) => errorsHeard.push(e));
    const started = await latch.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    const told = started ?? errorsHeard[0];
    assert.ok(told instanceof AuthFailedError, `the election says why it stopped: ${String(told)}`);
    await latch.close();

    // The backoff grows between refused sessions (it stayed at 500 ms: a new session on the
    // server every half second): 0.5 s, 1 s, then 2 s.
    await timing.waitFor(() => refusedAt.length >= 4, { message: 'four refused sessions' });
    const gaps = refusedAt.slice(1, 4).map((t, i) => t - refusedAt[i]!);
    assert.ok(gaps[2]! >= 1500 && gaps[1]! >= 750, `refusals ${gaps.join(', ')} ms apart`);
  } finally {
    await client.close();
  }
});

test('credentials refused on a live connection: a request written behind them and never answered fails ConnectionLossError, not SessionExpiredError', async () => {
  const client = createClient({ connectString: server.connectString, sessionTimeoutMs: 4000 });
  const changes: StateChange[] = [];
  client.onStateChange((c) => changes.push(c));
  try {
    await client.start();
    // Both leave in this tick, the AUTH first. The server answers an AUTH as soon as it reads
    // it, with AUTHFAILED for a scheme it does not know, then reads nothing more and closes the
    // connection: the read is written and never answered, and the session ends (LOST,
    // authFailed) while it waits.
    client.addAuthInfo('no-such-scheme', 'x');
    const read = client.getData('/', { retryPolicy: noRetry });
    await assert.rejects(read, (e: Error) => {
      const { name, message } = e;
      assert.ok(e instanceof ConnectionLossError, `got ${name}: ${message}`);
      // The session's end's (RawSession.failAll), not the dropped connection's, which the
      // refusal makes AUTHFAILED.
      assert.match(message, /session lost \(authFailed\) before the reply/);
      return true;
    });
    assert.ok(
      changes.some((c) => c.state === 'LOST' && c.reason === 'authFailed'),
      `states: ${changes.map((c) => c.state).join(',')}`,
    );
  } finally {
    await client.close();
  }
});
