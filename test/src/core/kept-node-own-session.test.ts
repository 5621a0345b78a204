// A kept node after an outage that outlived the session (the new-user trial's symptom): the
// client declares its session LOST while the server is down and opens a new one, but the
// restarted server restores the old session with its ephemerals until that session times out.
// The node at our path is then our own previous session's: taken back at once, no conflict
// reported. A node of another client's live session is still a conflict. (ADR 0032.) A sequential
// node's previous-session node is found by name and owner and deleted (ADR 0034). And a node
// placed between a LOST and the new session is known by the session it is made on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GroupMember, NodeConflictError } from '@zk-recipes/group';
import { isPreviousSession, KeptNode } from '@zk-recipes/core/recipe';
import { serviceInstance, ServiceDiscovery } from '@zk-recipes/discovery';
import {
  childrenOf,
  FaultProxy,
  TestingServer,
  TestRoot,
  timing,
  WireClient,
} from '@zk-recipes/testing';
import { startedClient, type StartedClient } from '../support/core-helpers.js';

let server: TestingServer;
before(async () => {
  server = await TestingServer.start({ tickTimeMs: 200 });
});
after(async () => {
  await server?.close();
});

const SESSION_MS = 2500;
const api = serviceInstance({ name: 'api', id: 'i-1', address: '10.0.0.1', port: 8080 });

/**
 * Stops the server until `client` declares its session LOST, restarts it (which restores that
 * session with its nodes: it had not expired there), and returns a connection holding the old
 * session alive, so it cannot time out during the test: only the client's own knowledge that
 * it was its session can free what it holds.
 */
async function restartKeepingOldSession(a: StartedClient): Promise<WireClient> {
  const old = a.client.sessionCredentials();
  await server.stop();
  await timing.waitFor(() => a.states().includes('LOST'), {
    message: 'the client to declare its session lost',
  });
  await server.restart();
  return WireClient.connect({
    connectString: server.connectString,
    sessionId: old.sessionId,
    password: old.password,
    sessionTimeoutMs: SESSION_MS,
  });
}

test("KeptNode: after the server's restart restored our lost session with its nodes, a GroupMember and a discovery registration take their paths back on the new session while the old one still lives, with no NodeConflictError (they reported one and waited out the old session's timeout)", async () => {
  const root = await TestRoot.create(server);
  const group = root.child('group');
  const basePath = root.child('services');
  const memberPath = `${group}/m-1`;
  const registrationPath = `${basePath}/api/i-1`;
  await using a = await startedClient({
    connectString: server.connectString,
    sessionTimeoutMs: SESSION_MS,
  });
  let keeper: WireClient | undefined;
  try {
    await using member = new GroupMember(a.client, group, 'm-1', { payload: 'p-1' });
    await using discovery = new ServiceDiscovery(a.client, { basePath });
    const reported: unknown[] = [];
    member.on('conflict', (e) => reported.push(e));
    member.on('error', (e) => reported.push(e));
    discovery.on('error', (e) => reported.push(e));
    await member.start();
    await discovery.start();
    await discovery.register(api);
    const old = a.client.sessionCredentials();

    keeper = await restartKeepingOldSession(a);

    const onNewSession = async (path: string) => {
      const s = await a.client.exists(path).catch(() => null);
      const now = a.client.session?.sessionId;
      return s !== null && s.ephemeralOwner === now && now !== old.sessionId;
    };
    await timing.waitFor(() => onNewSession(memberPath), {
      message: 'the member node on the new session',
    });
    await timing.waitFor(() => onNewSession(registrationPath), {
      message: 'the registration on the new session',
    });
    // The old session is alive on the server all this while: the nodes were taken from it,
    // not left to its timeout.
    assert.notEqual(await keeper.exists('/'), null, 'the old session still lives');
    assert.equal(isPreviousSession(a.client, old.sessionId), true);
    assert.equal(isPreviousSession(a.client, a.client.session!.sessionId), false);
    assert.deepEqual(reported, [], 'no conflict, no error');
    assert.equal((await a.client.getData(memberPath)).data.toString(), 'p-1');
    assert.deepEqual(
      (await discovery.instances('api')).map((i) => i.id),
      ['i-1'],
    );
    assert.equal(member.getPayload().toString(), 'p-1');
    await timing.waitFor(() => member.members().get('m-1')?.toString() === 'p-1', {
      message: 'the member in its own view',
    });
    await member.close();
    await discovery.close();
    assert.equal(await a.client.exists(memberPath), null, 'removed on close');
    assert.equal(await a.client.exists(registrationPath), null, 'removed on close');
  } finally {
    await keeper?.closeSession().catch(() => undefined);
    await root.remove();
  }
});

test("KeptNode: a DYNAMIC_SEQUENTIAL registration made again on a new session deletes its node of the previous session (restored by the server's restart, still alive there): another client's cache sees exactly one instance (it saw two until the old session timed out)", async () => {
  const root = await TestRoot.create(server);
  const basePath = root.child('services');
  const service = `${basePath}/api`;
  const seq = serviceInstance({ name: 'api', id: 's-1', serviceType: 'DYNAMIC_SEQUENTIAL' });
  await using a = await startedClient({
    connectString: server.connectString,
    sessionTimeoutMs: SESSION_MS,
  });
  let keeper: WireClient | undefined;
  try {
    await using discovery = new ServiceDiscovery(a.client, { basePath });
    const reported: unknown[] = [];
    discovery.on('error', (e) => reported.push(e));
    await discovery.start();
    await discovery.register(seq);
    const old = a.client.sessionCredentials();
    const [oldNode] = await a.client.getChildren(service).then((r) => r.children);

    keeper = await restartKeepingOldSession(a);
    const owners = async () => {
      const names = (await a.client.getChildren(service)).children.sort();
      const stats = await Promise.all(names.map((n) => a.client.exists(`${service}/${n}`)));
      return stats.map((st) => st?.ephemeralOwner);
    };
    const renewed = async () => {
      const now = a.client.session?.sessionId;
      const seen: (bigint | undefined)[] = await owners().catch(() => []);
      return now !== undefined && now !== old.sessionId && seen.includes(now);
    };
    await timing.waitFor(renewed, { message: 'the registration made on the new session' });
    assert.notEqual(await keeper.exists('/'), null, 'the old session still lives');
    assert.deepEqual(await owners(), [a.client.session!.sessionId], 'one node, the new one');
    assert.equal(await a.client.exists(`${service}/${oldNode}`), null, 'the old node deleted');

    // Another client's cache, loaded now: one instance s-1, not one per session.
    await using b = await startedClient({ connectString: server.connectString });
    await using other = new ServiceDiscovery(b.client, { basePath });
    await other.start();
    const cache = await other.serviceCache('api', { timeoutMs: timing.ms(5_000) });
    try {
      assert.deepEqual(
        cache.instances().map((i) => i.id),
        ['s-1'],
      );
    } finally {
      await cache.close();
    }
    assert.deepEqual(reported, [], 'no error');
  } finally {
    await keeper?.closeSession().catch(() => undefined);
    await root.remove();
  }
});

test("KeptNode: another client's live node at the same GroupMember id or registration id is still a NodeConflictError, its node untouched; the client's previous sessions are its own only", async () => {
  const root = await TestRoot.create(server);
  const group = root.child('group');
  const basePath = root.child('services');
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  try {
    await using held = new GroupMember(a.client, group, 'm-1', { payload: 'a' });
    await held.start();
    await using discoveryA = new ServiceDiscovery(a.client, { basePath });
    await discoveryA.start();
    await discoveryA.register(api);
    const before = await a.client.getData(`${group}/m-1`);
    const registration = await a.client.getData(`${basePath}/api/i-1`);

    await using duplicate = new GroupMember(b.client, group, 'm-1', { payload: 'b' });
    const refused = await duplicate.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof NodeConflictError, `a conflict: ${String(refused)}`);
    assert.equal(refused.owner, a.client.session!.sessionId);
    await using discoveryB = new ServiceDiscovery(b.client, { basePath });
    await discoveryB.start();
    await assert.rejects(discoveryB.register(api), NodeConflictError);
    assert.equal(isPreviousSession(b.client, a.client.session!.sessionId), false);

    const after = await a.client.getData(`${group}/m-1`);
    assert.deepEqual(after.stat, before.stat, 'the member node untouched');
    assert.equal(after.data.toString(), 'a');
    const afterRegistration = await a.client.getData(`${basePath}/api/i-1`);
    assert.deepEqual(afterRegistration.stat, registration.stat, 'the registration untouched');
  } finally {
    await root.remove();
  }
});

test('KeptNode: a sequential node started while the lost session is being replaced is created on the new session and, its reply lost, found there: one node, not two', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 1000,
  });
  try {
    const parent = root.child('seq');
    await c.client.create(parent, undefined, { createParents: true });
    proxy.rejectConnections();
    await timing.waitFor(() => c.client.state === 'LOST', { message: 'the session lost' });
    // LOST, the new session not made yet: `client.session` still names the lost one.
    await using node = new KeptNode(c.client, `${parent}/n-`, { mode: 'EPHEMERAL_SEQUENTIAL' });
    node.on('error', () => undefined);
    const started = node.start({ timeoutMs: timing.ms(10_000) });
    await timing.sleep(100);
    const dropped = proxy.dropNextReply({ op: 'create', path: `${parent}/n-` });
    proxy.heal();
    await dropped;
    await started;
    const now = c.client.session!.sessionId;
    const ours = async () => {
      const names = await childrenOf(server, parent);
      const stats = await Promise.all(names.map((n) => c.client.exists(`${parent}/${n}`)));
      return stats.filter((s) => s?.ephemeralOwner === now).length;
    };
    assert.equal(await ours(), 1, 'one node on the new session');
    assert.equal(node.nodePath !== undefined && node.current, true);
  } finally {
    await root.remove();
  }
});
