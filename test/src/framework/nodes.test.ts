import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConnectionLossError,
  createClient,
  DataTooLargeError,
  digestAcl,
  InvalidArgumentError,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  noRetry,
  retryNTimes,
} from '@zk-recipes/core';
import { isProtectedName } from '@zk-recipes/core/recipe';
import { randomUUID } from 'node:crypto';
import { childrenOf, WireClient, timing } from '@zk-recipes/testing';
import { waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200, containerCheckIntervalMs: 200 });

test('a protected create whose reply is lost leaves exactly one node, and finds it', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 6000, retryPolicy: retryNTimes(5, 50) },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const dropped = proxy.dropNextReply({ op: 'create', path: /lock-$/ });
  const made = await client.create(root.child('lock-'), 'me', {
    mode: 'EPHEMERAL_SEQUENTIAL',
    protected: true,
  });
  await dropped; // the server did create it; the client never heard
  const names = await childrenOf(server, root.path);
  assert.equal(names.length, 1, `one node: ${names.join(', ')}`);
  assert.equal(`${root.path}/${names[0]}`, made.path);
  assert.ok(isProtectedName(names[0]!));
  assert.match(names[0]!, /^_c_[0-9a-f-]{36}-lock-\d{10}$/);
  assert.equal(made.stat.ephemeralOwner, client.session!.sessionId);
});

test('under a chroot, a recovered protected create reports its own path (a parent named like the chroot)', async () => {
  await using fx = await proxiedClients(server, {
    client: { chroot: true, sessionTimeoutMs: 6000, retryPolicy: retryNTimes(5, 50) },
  });
  const { root, proxy } = fx;
  const [{ client }] = fx.clients;
  // Inside the chroot, a parent whose path starts with the chroot's own name.
  const parent = root.path;
  await client.create(parent);
  const dropped = proxy.dropNextReply({ op: 'create', path: /lock-$/ });
  const made = await client.create(`${parent}/lock-`, 'me', {
    mode: 'EPHEMERAL_SEQUENTIAL',
    protected: true,
  });
  await dropped;
  const names = await childrenOf(server, `${root.path}${parent}`);
  assert.equal(names.length, 1, `one node: ${names.join(', ')}`);
  assert.equal(made.path, `${parent}/${names[0]}`);
});

test('an unprotected sequential create is not repeated after a lost reply (it could make two)', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 6000, retryPolicy: retryNTimes(5, 50) },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  void proxy.dropNextReply({ op: 'create', path: /job-$/ });
  await assert.rejects(
    client.create(root.child('job-'), '', { mode: 'PERSISTENT_SEQUENTIAL' }),
    ConnectionLossError,
  );
  assert.equal(
    (await childrenOf(server, root.path)).length,
    1,
    'the orphan the caller cannot know of',
  );
});

test('a plain create and a delete whose replies are lost are repeated on the next connection', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 6000, retryPolicy: retryNTimes(5, 50) },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('plain');
  const lostCreate = proxy.dropNextReply({ op: 'create', path: /\/plain$/ });
  // Not a ConnectionLossError: the create was repeated, and found the node its first try made.
  await assert.rejects(client.create(node, 'x'), NodeExistsError);
  await lostCreate;
  assert.deepEqual(await childrenOf(server, root.path), ['plain']);
  const lostDelete = proxy.dropNextReply({ op: 'delete', path: /\/plain$/ });
  await client.delete(node); // the repeat's NONODE means the first try deleted it
  await lostDelete;
  assert.deepEqual(await childrenOf(server, root.path), []);
  assert.equal(client.pendingBackgroundJobs, 0);
});

test('a guaranteed delete cut off by a partition still deletes, after the reconnect', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 8000, retryPolicy: noRetry },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('doomed');
  await client.create(node);
  proxy.partition();
  await assert.rejects(client.delete(node, { guaranteed: true, requestTimeoutMs: 200 }));
  assert.equal(client.pendingBackgroundJobs, 1);
  assert.deepEqual(await childrenOf(server, root.path), ['doomed'], 'not deleted yet');
  proxy.heal();
  await timing.waitFor(async () => (await childrenOf(server, root.path)).length === 0, {
    message: 'the background delete',
  });
  await timing.waitFor(() => client.pendingBackgroundJobs === 0, { message: 'job done' });
});

test('a guaranteed delete survives into a new session for a persistent node', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 1500, retryPolicy: noRetry },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('doomed');
  await client.create(node);
  const old = client.session!.sessionId;
  proxy.partition();
  await assert.rejects(client.delete(node, { guaranteed: true, requestTimeoutMs: 200 }));
  await timing.waitFor(() => client.state === 'LOST', { message: 'LOST' });
  proxy.heal();
  await waitForNewSession(client, old);
  await timing.waitFor(async () => (await childrenOf(server, root.path)).length === 0, {
    message: 'the background delete in the new session',
  });
});

test('createParents makes containers; deleteChildren removes a tree; ensurePath is idempotent', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const leaf = root.child('a', 'b', 'c');
  await assert.rejects(client.create(leaf), NoNodeError);
  await client.create(leaf, 'x', { createParents: true });
  assert.equal((await client.getData(leaf)).data.toString(), 'x');
  await client.ensurePath(root.child('e', 'f'));
  await client.ensurePath(root.child('e', 'f'));
  assert.ok(await client.exists(root.child('e', 'f')));
  await client.create(root.child('a', 'b', 'd'));
  await client.delete(root.child('a'), { deleteChildren: true });
  assert.equal(await client.exists(root.child('a')), null);
  // Parents made by createParents are containers: emptied, the server removes them.
  await client.create(root.child('g', 'h'), '', { createParents: true });
  await client.delete(root.child('g', 'h'));
  await timing.waitFor(async () => (await client.exists(root.child('g'))) === null, {
    message: 'the emptied container parent to go',
  });
});

test('a namespace view cannot reach outside its namespace', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [{ client }] = fx.clients;
  const outside = root.child('secret');
  await client.create(outside, 'hidden');
  const ns = client.usingNamespace(`${root.path.slice(1)}/ns`);
  const made = await ns.create('/a', 'in');
  assert.equal(made.path, '/a');
  assert.deepEqual((await ns.getChildren('/')).children, ['a']);
  assert.equal(await ns.exists('/secret'), null, '/secret in the view is /<ns>/secret');
  await assert.rejects(ns.getData('/../secret'), InvalidArgumentError);
  await assert.rejects(ns.getData('/a/../../secret'), InvalidArgumentError);
  assert.equal((await client.getData(root.child('ns', 'a'))).data.toString(), 'in');
  const [r] = await ns.multi([{ op: 'create', path: '/m' }]);
  assert.deepEqual(r, { op: 'create', path: '/m' });
  const seen: string[] = [];
  await ns.getData('/a', { watch: (e) => seen.push(e.path) });
  await ns.setData('/a', 'changed');
  await timing.waitFor(() => seen.length === 1, { message: 'the watch' });
  assert.deepEqual(seen, ['/a'], 'event paths are in the namespace');
  const fromOptions = createClient({
    connectString: server.connectString,
    namespace: `${root.path.slice(1)}/ns`,
  });
  await fromOptions.start();
  assert.equal((await fromOptions.getData('/a')).data.toString(), 'changed');
  await fromOptions.close();
});

test('the ACL provider applies to created nodes and their parents, and denies another identity', async () => {
  const acl = [digestAcl('app', 'secret')];
  await using fx = await proxiedClients(server, {
    clients: [
      { auth: [{ scheme: 'digest', credentials: 'app:secret' }], aclProvider: { defaultAcl: acl } },
      { retryPolicy: noRetry },
    ],
    proxy: false,
  });
  const { root } = fx;
  const [{ client }, { client: stranger }] = fx.clients;
  await client.create(root.child('p', 'n'), 'private', { createParents: true });
  assert.deepEqual((await client.getACL(root.child('p', 'n'))).acl, acl);
  assert.deepEqual((await client.getACL(root.child('p'))).acl, acl, 'the parent too');
  await assert.rejects(stranger.getData(root.child('p', 'n')), NoAuthError);
  assert.equal((await client.getData(root.child('p', 'n'))).data.toString(), 'private');
  await client.delete(root.child('p'), { deleteChildren: true });
});

test('oversize data is refused before sending; the connection stays up', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client, states } = started;
  const big = Buffer.alloc(1024 * 1024);
  await assert.rejects(client.create(root.child('big'), big), (e: unknown) => {
    assert.ok(e instanceof DataTooLargeError);
    assert.equal(e.code, 'DATA_TOO_LARGE');
    assert.equal(e.maxPacketBytes, 1024 * 1024);
    return true;
  });
  await client.create(root.child('ok'));
  await assert.rejects(client.setData(root.child('ok'), big), DataTooLargeError);
  await assert.rejects(
    client.multi([{ op: 'setData', path: root.child('ok'), data: big }]),
    DataTooLargeError,
  );
  await client.setData(root.child('ok'), Buffer.alloc(1024 * 1024 - 4096));
  assert.deepEqual(states(), ['CONNECTED'], 'no connection was dropped');
});

test('a protected create that is given up is deleted in the background', async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 6000, retryPolicy: noRetry },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  void proxy.dropNextReply({ op: 'create', path: /item-$/ });
  await assert.rejects(
    client.create(root.child('item-'), '', { mode: 'PERSISTENT_SEQUENTIAL', protected: true }),
    ConnectionLossError,
  );
  await timing.waitFor(async () => (await childrenOf(server, root.path)).length === 0, {
    message: 'the abandoned node to be deleted',
  });
  await timing.waitFor(() => client.pendingBackgroundJobs === 0, { message: 'job done' });
});

test('a namespace and a chroot together', async () => {
  await using fx = await proxiedClients(server, {
    client: { chroot: true, namespace: 'app' },
    proxy: false,
  });
  const { root } = fx;
  const [{ client }] = fx.clients;
  const made = await client.create('/x', 'y', { createParents: true });
  assert.equal(made.path, '/x');
  assert.deepEqual(await childrenOf(server, root.path), ['app']);
  assert.deepEqual(await childrenOf(server, root.child('app')), ['x']);
  const other = client.usingNamespace('other');
  assert.equal(other.namespace, 'other');
  await other.create('/z');
  assert.deepEqual((await childrenOf(server, root.path)).sort(), ['app', 'other']);
  assert.equal(client.usingNamespace(undefined).namespace, undefined);
  assert.throws(() => client.usingNamespace('/abs'), InvalidArgumentError);
});

test("a protected create's recovery deletes an older session's node with its prefix and keeps its own (CURATOR-604)", async () => {
  await using fx = await proxiedClients(server, {
    client: { sessionTimeoutMs: 6000, retryPolicy: retryNTimes(5, 50) },
  });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const id = randomUUID();
  // An ephemeral with our protection prefix, owned by another (for us: older) session.
  const stale = await WireClient.connect({ connectString: server.connectString });
  const stalePath = await stale.create(`${root.path}/_c_${id}-lock-`, null, 3);
  const dropped = proxy.dropNextReply({ op: 'create', path: /lock-$/ });
  const made = await client.create(root.child('lock-'), 'mine', {
    mode: 'EPHEMERAL_SEQUENTIAL',
    protected: true,
    protectedId: id,
  });
  await dropped; // so the create was repeated, through recovery
  const names = await childrenOf(server, root.path);
  assert.deepEqual(names, [made.path.slice(root.path.length + 1)], 'only our node is left');
  assert.notEqual(made.path, stalePath);
  assert.equal(made.stat.ephemeralOwner, client.session!.sessionId);
  await stale.closeSession();
  await assert.rejects(
    client.create(root.child('x'), '', { protectedId: id }),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'protectedId',
  );
});
