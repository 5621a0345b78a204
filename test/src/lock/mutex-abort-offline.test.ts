// A mutex's acquire aborted by its signal while the connection is down, at each stage of the
// contender (before its create was written; after the create, before the listing's reply;
// waiting with its watches armed), rejects with the signal's reason while the connection is
// still down and leaves nothing behind once it comes back on the same session: no lock node,
// no watch on the server or in the client, and no request of the wait (a create, a listing, a
// getData) sent after the abort. The clean-up's own requests (the delete of our node, the
// removal of our watches, the search for an abandoned protected create) may go out after the
// reconnect. Before the contender's listings carried the caller's signal, the first three
// failed: a listing went out after the reconnect, and one aborted acquire was granted.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ZkClient } from '@zk-recipes/core';
import { RELEASE_BOUND_MS } from '@zk-recipes/core/recipe';
import { Mutex } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  childrenOf,
  serverWatches,
  sessionIdHex,
  timing,
  type FaultProxy,
} from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { abortedWithinBound, returnsWithinBound, untilState } from '../support/shutdown.js';

const server = sharedServer({ tickTimeMs: 200 });

/** The requests a waiting contender sends; none of them may go out after its abort. */
const WAIT_OPS = ['create', 'create2', 'getChildren', 'getChildren2', 'getData', 'exists'] as const;

/** The clean-up's requests, which may go out after the reconnect: counted for the record. */
const CLEANUP_OPS = ['delete', 'removeWatches'] as const;

function waitRequests(proxy: FaultProxy): Record<string, number> {
  return Object.fromEntries(
    [...WAIT_OPS, ...CLEANUP_OPS].map((op) => [op, proxy.requestCount(op)]),
  );
}

/** The client's own record of one-shot watches under `path` (internal). */
function clientWatchers(client: ZkClient, path: string): string[] {
  const s = (
    client as unknown as {
      s: {
        watches: { entries: Set<{ path: string; kind: string }> };
        connection: { raw: { watches: { getDataWatcherPaths(): string[] } } };
      };
    }
  ).s;
  const under = (p: string) => p.startsWith(`${path}/`) || p === path;
  return [
    ...[...s.watches.entries].filter((e) => under(e.path)).map((e) => `core ${e.kind} ${e.path}`),
    ...s.connection.raw.watches
      .getDataWatcherPaths()
      .filter(under)
      .map((p) => `table data ${p}`),
  ];
}

/**
 * After the reconnect, what the aborted acquire left: requests of the wait sent since `atAbort`,
 * our nodes, our session's server watches under `path`, the client's watchers under `path`.
 */
async function leftovers(
  client: ZkClient,
  proxy: FaultProxy,
  path: string,
  atAbort: Record<string, number>,
  others: readonly string[] = [],
) {
  await client.sync(path); // behind anything queued during the outage
  await timing.waitFor(() => client.pendingBackgroundJobs === 0, { timeoutMs: 20_000 });
  // Removals left to run unwaited, and any request still on its way, have had time to land.
  await client.sync(path);
  const now = waitRequests(proxy);
  const sentAfterAbort = WAIT_OPS.filter((op) => now[op] !== atAbort[op]).map(
    (op) => `${op} x${now[op]! - atAbort[op]!}`,
  );
  const nodes = (await childrenOf(server, path)).filter((n) => !others.includes(n));
  const session = sessionIdHex(client.session!.sessionId);
  const watches = ((await serverWatches(server)).get(session) ?? []).filter((p) =>
    p.startsWith(`${path}/`),
  );
  const cleanup = CLEANUP_OPS.map((op) => `${op} x${now[op]! - atAbort[op]!}`).join(', ');
  return {
    left: { sentAfterAbort, nodes, watches, clientWatchers: clientWatchers(client, path) },
    cleanup,
  };
}

const NOTHING = { sentAfterAbort: [], nodes: [], watches: [], clientWatchers: [] };

test('aborted before its create was written (the connection down from the start): nothing is left after the reconnect', async (t) => {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const {
    root,
    proxy,
    clients: [{ client }],
  } = fx;
  const path = root.child('lock');
  await client.create(path, '');
  const session = client.session?.sessionId;
  proxy.rejectConnections();
  proxy.closeAll();
  await untilState(client, 'SUSPENDED');

  const ac = new AbortController();
  const pending = new Mutex(client, path).acquire({ signal: ac.signal });
  await abortedWithinBound('an acquire aborted before its create', ac, pending);
  const atAbort = waitRequests(proxy);
  // No clean-up job: the create was never written, so a listing sent later is the wait's own.
  assert.equal(client.pendingBackgroundJobs, 0);

  proxy.heal();
  await untilState(client, 'RECONNECTED');
  assert.equal(client.session?.sessionId, session, 'the session survived the outage');
  const { left, cleanup } = await leftovers(client, proxy, path, atAbort);
  t.diagnostic(`${JSON.stringify(left)}; after the abort: ${cleanup}`);
  assert.deepEqual(left, NOTHING);
  await assertNoLeftoverNodes(server, path);
});

/**
 * Stage 2: the create and the listing behind it leave in one write; the create's reply comes
 * back, the listing's is dropped with the connection, and the connection stays down while the
 * caller aborts; it comes back (same session) 500 ms later. `behind`: another client holds the
 * lock, so the listing, when answered, says to wait.
 */
async function abortedBeforeListing(t: TestContext, behind: boolean) {
  await using fx = await proxiedClients(server, {
    clients: [{ direct: true }, { sessionTimeoutMs: 20_000 }],
  });
  const { root, proxy } = fx;
  const [holder, { client }] = fx.clients;
  const path = root.child('lock');
  await client.create(path, '');
  const lease = behind ? await new Mutex(holder.client, path).acquire() : undefined;
  const others = await childrenOf(server, path);
  const session = client.session?.sessionId;
  const lost = proxy
    .dropNextReply({ op: 'getChildren2', path })
    .then(() => proxy.rejectConnections());

  const ac = new AbortController();
  const why = new Error('the caller gave up');
  const outcome: { settledInMs?: number; result?: string } = {};
  let began = 0;
  const pending = new Mutex(client, path).acquire({ signal: ac.signal });
  const settled = pending.then(
    async (granted) => {
      outcome.settledInMs = Math.round(performance.now() - began);
      outcome.result = 'granted a lease';
      await granted.release();
    },
    (e: unknown) => {
      outcome.settledInMs = Math.round(performance.now() - began);
      outcome.result = e === why ? 'rejected with the reason' : `rejected with ${String(e)}`;
    },
  );
  await lost;
  await untilState(client, 'SUSPENDED');
  assert.equal(
    (await childrenOf(server, path)).length,
    others.length + 1,
    'the create was applied before the connection went',
  );
  began = performance.now();
  ac.abort(why);
  const atAbort = waitRequests(proxy); // nothing can be sent while connections are refused
  await new Promise((r) => setTimeout(r, 500));
  const withinOutage = outcome.result !== undefined;

  proxy.heal();
  await untilState(client, 'RECONNECTED');
  assert.equal(client.session?.sessionId, session, 'the session survived the outage');
  await settled;
  const { left, cleanup } = await leftovers(client, proxy, path, atAbort, others);
  t.diagnostic(
    `${JSON.stringify({ ...outcome, withinOutage, ...left })}; after the abort: ${cleanup}`,
  );
  await lease?.release();
  assert.deepEqual(
    { ...outcome, settledInMs: undefined, withinOutage, ...left },
    { ...NOTHING, settledInMs: undefined, result: 'rejected with the reason', withinOutage: true },
  );
  await assertNoLeftoverNodes(server, path);
}

test('aborted after its create was answered, before the listing behind it was (alone on the lock): it rejects, and nothing is left after the reconnect', async (t) => {
  await abortedBeforeListing(t, false);
});

test('aborted after its create was answered, before the listing behind it was (behind a holder): it rejects, and nothing is left after the reconnect', async (t) => {
  await abortedBeforeListing(t, true);
});

test("aborted after its create was written, its reply lost with the connection (the listing's too): nothing is left after the reconnect", async (t) => {
  await using fx = await proxiedClients(server, { client: { sessionTimeoutMs: 20_000 } });
  const {
    root,
    proxy,
    clients: [{ client }],
  } = fx;
  const path = root.child('lock');
  await client.create(path, '');
  const session = client.session?.sessionId;
  const lost = proxy
    .dropNextReply({ op: 'create2', path: /lock-/ })
    .then(() => proxy.rejectConnections());
  const ac = new AbortController();
  const why = new Error('the caller gave up');
  const pending = new Mutex(client, path).acquire({ signal: ac.signal });
  pending.catch(() => undefined);
  await lost;
  await untilState(client, 'SUSPENDED');
  assert.equal((await childrenOf(server, path)).length, 1, 'the create was applied');
  const began = performance.now();
  ac.abort(why);
  const atAbort = waitRequests(proxy); // nothing can be sent while connections are refused
  await returnsWithinBound('an acquire aborted with its create unanswered', () =>
    assert.rejects(pending, (e) => e === why),
  );
  t.diagnostic(`the acquire rejected ${Math.round(performance.now() - began)} ms after the abort`);

  proxy.heal();
  await untilState(client, 'RECONNECTED');
  assert.equal(client.session?.sessionId, session, 'the session survived the outage');
  const { left, cleanup } = await leftovers(client, proxy, path, atAbort);
  t.diagnostic(`${JSON.stringify(left)}; after the abort: ${cleanup}`);
  // The one listing is the clean-up's: the background search for the abandoned protected
  // create, which then deletes what it found. The listing queued behind the create was written
  // with it and lost; one the contender left queued would make two.
  assert.deepEqual(left, { ...NOTHING, sentAfterAbort: ['getChildren2 x1'] });
  assert.equal(cleanup, 'delete x1, removeWatches x0');
  await assertNoLeftoverNodes(server, path);
});

test('aborted while waiting with its watches armed on the nodes ahead: nothing is left after the reconnect', async (t) => {
  await using fx = await proxiedClients(server, {
    clients: [{ direct: true }, { direct: true }, { sessionTimeoutMs: 20_000 }],
  });
  const { root, proxy } = fx;
  const [holder, second, { client }] = fx.clients;
  const path = root.child('lock');
  const lease = await new Mutex(holder.client, path).acquire();
  const secondWaits = new Mutex(second.client, path).acquire();
  secondWaits.catch(() => undefined); // closed with its client should the test fail first
  const mutex = new Mutex(client, path);
  await timing.waitFor(async () => (await mutex.participants()).length === 2);
  const ahead = await childrenOf(server, path);
  const session = client.session!.sessionId;
  const ac = new AbortController();
  const why = new Error('the caller gave up');
  const pending = mutex.acquire({ signal: ac.signal });
  pending.catch(() => undefined);
  // Third in line: it watches both nodes ahead of it (watchAhead 2).
  await timing.waitFor(async () => {
    const w = (await serverWatches(server)).get(sessionIdHex(session)) ?? [];
    return w.filter((p) => p.startsWith(`${path}/`)).length === 2;
  });
  proxy.rejectConnections();
  proxy.closeAll();
  await untilState(client, 'SUSPENDED');
  const began = performance.now();
  ac.abort(why);
  const atAbort = waitRequests(proxy); // nothing can be sent while connections are refused
  // The removal of its watches is bounded by RELEASE_BOUND_MS and may take all of it, the
  // connection being down: the bound plus a margin.
  await assert.rejects(pending, (e) => e === why);
  const took = Math.round(performance.now() - began);
  t.diagnostic(`the acquire rejected ${took} ms after the abort`);
  assert.ok(took <= timing.ms(RELEASE_BOUND_MS + 500), `rejected ${took} ms after the abort`);

  proxy.heal();
  await untilState(client, 'RECONNECTED');
  assert.equal(client.session?.sessionId, session, 'the session survived the outage');
  const { left, cleanup } = await leftovers(client, proxy, path, atAbort, ahead);
  t.diagnostic(`${JSON.stringify(left)}; after the abort: ${cleanup}`);
  await lease.release();
  await (await secondWaits).release();
  assert.deepEqual(left, NOTHING);
  await assertNoLeftoverNodes(server, path);
});
