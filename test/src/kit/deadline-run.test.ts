// The kit's Deadline.run against a real server: the deadline's signal ends a call's requests
// at its timeout while ZooKeeper is unreachable (the call rejects with the recipe's typed
// error, not at the session's end), a request not yet written is taken back, the caller's
// abort stays its reason, other errors pass unchanged, and nothing is left once it settles.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, test } from 'node:test';
import { createClient, NoNodeError, ZkRecipesError } from '@zk-recipes/core';
import { Deadline, DeadlineExpiredError, update } from '@zk-recipes/core/recipe';
import { childrenOf, FaultProxy, TestingServer, TestRoot, timing } from '@zk-recipes/testing';
import { untilState } from '../support/shutdown.js';

let server: TestingServer;
before(async () => {
  server = await TestingServer.start();
});
after(async () => {
  await server?.close();
});

/** A recipe's typed timeout error, as each recipe has its own. */
class ExampleTimeoutError extends ZkRecipesError {
  constructor(readonly timeoutMs: number) {
    super('ACQUIRE_TIMEOUT', `timed out after ${timeoutMs} ms`);
  }
}
const timedOut = (ms: number) => new ExampleTimeoutError(ms);

/** A call's options with the deadline's signal. */
const withSignal = (d: Deadline) => (d.signal ? { signal: d.signal } : {});
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('Deadline.run: with ZooKeeper stopped, requests end at the timeout with the typed error, an unwritten create is taken back, the caller abort keeps its reason; connected, timeoutMs 0 still gets answers and other errors pass unchanged; no timer or listener is left', async () => {
  await using root = await TestRoot.create(server);
  const client = createClient({ connectString: server.connectString, sessionTimeoutMs: 20_000 });
  try {
    await client.start();
    await client.create(root.child('x'), 'x');

    // Connected: one try (timeoutMs 0) gets its answer; a server's error is not a timeout.
    const read = (d: Deadline) => client.getData(root.child('x'), withSignal(d));
    assert.equal((await Deadline.run({ timeoutMs: 0 }, timedOut, read)).data.toString(), 'x');
    await assert.rejects(
      Deadline.run({ timeoutMs: 5_000 }, timedOut, (d) =>
        client.getData(root.child('absent'), withSignal(d)),
      ),
      NoNodeError,
    );
    // Settled: its listener on the caller's signal and its timer are gone (the timer counted
    // around a call without requests: the client's own timers may move while one is answered).
    const caller = new AbortController();
    assert.equal(
      (
        await Deadline.run({ timeoutMs: 60_000, signal: caller.signal }, timedOut, read)
      ).data.toString(),
      'x',
    );
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0, 'no listener left');
    const before = timers();
    assert.equal(await Deadline.run({ timeoutMs: 60_000 }, timedOut, async () => 'done'), 'done');
    assert.equal(timers(), before, 'no timer left');
    // Bad options are refused before the call runs.
    let ran = false;
    await assert.rejects(
      Deadline.run({ timeoutMs: -1 }, timedOut, async () => void (ran = true)),
      { code: 'INVALID_ARGUMENT' },
    );
    assert.equal(ran, false);

    await server.stop();
    await untilState(client, 'SUSPENDED');
    const began = performance.now();
    // A read and a create while ZooKeeper is gone: the typed error at the timeout (the
    // session would end after 20 s), its timeoutMs the caller's.
    await assert.rejects(Deadline.run({ timeoutMs: 300 }, timedOut, read), (e) => {
      assert.ok(e instanceof ExampleTimeoutError);
      assert.equal(e.timeoutMs, 300);
      return true;
    });
    await assert.rejects(
      Deadline.run({ timeoutMs: 300 }, timedOut, (d) =>
        client.create(root.child('late'), 'late', withSignal(d)),
      ),
      ExampleTimeoutError,
    );
    // Nested: a Deadline already bound is used as it is; the outer call maps its expiry.
    await assert.rejects(
      Deadline.run({ timeoutMs: 300 }, timedOut, (d) =>
        Deadline.run(d, () => new Error('the inner one never maps'), read),
      ),
      ExampleTimeoutError,
    );
    // A recipe's error wrapping the expiry (as cause) is the expiry too.
    await assert.rejects(
      Deadline.run({ timeoutMs: 300 }, timedOut, (d) =>
        read(d).catch((e: unknown) => {
          assert.ok(e instanceof DeadlineExpiredError);
          throw new Error('wrapped', { cause: e });
        }),
      ),
      ExampleTimeoutError,
    );
    // The caller's abort before the deadline: its own reason.
    const why = new Error('the caller gave up');
    const aborting = new AbortController();
    setTimeout(() => aborting.abort(why), 100);
    await assert.rejects(
      Deadline.run({ timeoutMs: 5_000, signal: aborting.signal }, timedOut, read),
      (e) => e === why,
    );
    // Far under the session's end: the calls above did not wait for it.
    assert.ok(performance.now() - began < 10_000);

    // Back: the timed-out create was never written.
    await server.restart();
    await untilState(client, 'RECONNECTED');
    await client.sync(root.path);
    assert.equal(await client.exists(root.child('late')), null);
  } finally {
    if (!server.running) await server.restart();
    await client.close();
  }
});

test('Deadline.run on a silent connection: a protected create and a witnessed write already written end at the timeout; the node and the witness they make once the traffic flows again are deleted in the background', async () => {
  await using root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  const client = createClient({ connectString: proxy.connectString, sessionTimeoutMs: 20_000 });
  try {
    await client.start();
    await client.create(root.child('line'), '');
    await client.create(root.child('counter'), Buffer.alloc(8));
    const known = await client.getData(root.child('counter'));
    // The client still believes it is connected: both are written to the socket at once (the
    // write on `known` reads nothing first).
    proxy.partition('both');
    const one = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]);
    await Promise.all([
      assert.rejects(
        Deadline.run({ timeoutMs: 300 }, timedOut, (d) =>
          client.create(root.child('line', 'n-'), 'x', {
            mode: 'PERSISTENT_SEQUENTIAL',
            protected: true,
            ...withSignal(d),
          }),
        ),
        ExampleTimeoutError,
      ),
      assert.rejects(
        Deadline.run({ timeoutMs: 300 }, timedOut, (d) =>
          update(client, root.child('counter'), () => one, {
            witness: true,
            known,
            ...withSignal(d),
          }),
        ),
        ExampleTimeoutError,
      ),
    ]);
    // The held requests reach the server now and are applied (a write one stopped waiting for
    // may still apply); the node and the witness are then deleted.
    proxy.heal();
    await client.sync(root.path); // answered after the held requests, on their session
    const left = async () => [
      ...(await childrenOf(server, root.child('line'))),
      ...(await childrenOf(server, root.child('counter'))),
    ];
    await timing.waitFor(async () => (await left()).length === 0, {
      message: 'the abandoned create and the witness are deleted',
      timeoutMs: 10_000,
    });
  } finally {
    await client.close();
  }
});
