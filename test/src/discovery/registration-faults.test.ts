// No lost registration: every instance a register() resolved for is in place, once, after cuts
// (one of them losing a create's reply), a session expiry and cuts while it is re-registered;
// a first register() that fails rejects with a typed error and leaves nothing behind (ADR 0025).
// The ensemble with a killed server is discovery-ensemble.test.ts. ZK_SOAK=1: 50 instances of
// each type instead of 2.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NodeConflictError,
  RegistrationTimeoutError,
  serviceInstance,
  ServiceDiscovery,
  SERVICE_TYPES,
} from '@zk-recipes/discovery';
import { childrenOf, expireSession, FaultProxy, TestRoot, timing } from '@zk-recipes/testing';
import { eventually, startedClient, waitForNewSession } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const PER_TYPE = process.env.ZK_SOAK === '1' ? 50 : 2;

test(`no lost registration: ${PER_TYPE} instances of each type registered through cuts (a DYNAMIC_SEQUENTIAL create reply lost), then a session expiry with cuts during the re-registration, are each in place exactly once, ours, on the new session`, async () => {
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 4000,
  });
  await using w = await startedClient({ connectString: server.connectString });
  await using root = await TestRoot.create(server);
  const basePath = root.child('services');
  await using discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  const errors: unknown[] = [];
  discovery.on('error', (e) => errors.push(e));
  const ids = SERVICE_TYPES.flatMap((t) =>
    Array.from({ length: PER_TYPE }, (_, k) => `${t}-${String.fromCharCode(97 + (k % 26))}${k}`),
  );
  const typeOf = (id: string) => SERVICE_TYPES.find((t) => id.startsWith(`${t}-`))!;

  // The first sequential create's reply is lost (the connection cut after the server made it),
  // and the connection is cut again while the others register.
  const dropped = proxy.dropNextReply({ op: 'create', path: /DYNAMIC_SEQUENTIAL-a0$/ });
  const registering = Promise.all(
    ids.map((id) =>
      discovery.register(serviceInstance({ name: 'api', id, serviceType: typeOf(id), port: 1 })),
    ),
  );
  await dropped;
  setTimeout(() => proxy.closeAll(), 30);
  await registering;

  const expectOnce = async (session: bigint) => {
    const kids = (await childrenOf(server, `${basePath}/api`)).sort();
    for (const id of ids) {
      const mine = kids.filter(
        (k) => k === id || (k.startsWith(id) && k.length === id.length + 10),
      );
      if (mine.length !== 1) return `${id}: ${mine.length} nodes`;
      const { data, stat } = await w.client.getData(`${basePath}/api/${mine[0]!}`);
      if ((JSON.parse(data.toString()) as { id: string }).id !== id) return `${id}: not our data`;
      const ephemeral = typeOf(id).startsWith('DYNAMIC');
      if (ephemeral && stat.ephemeralOwner !== session) return `${id}: another session's`;
    }
    return kids.length === ids.length ? 'ok' : `${kids.length} nodes: ${kids.join(',')}`;
  };
  assert.equal(await expectOnce(c.client.session!.sessionId), 'ok');

  // A new session, with the connection cut twice while the registrations are made again.
  const old = c.client.session!.sessionId;
  await expireSession(c.client, server);
  await waitForNewSession(c.client, old);
  proxy.closeAll();
  setTimeout(() => proxy.closeAll(), 50);
  const session = () => c.client.session!.sessionId;
  let last = '';
  await eventually(
    async () => (last = await expectOnce(session())) === 'ok',
    timing.ms(5000),
    'every registration in place once',
  ).catch(() => assert.fail(last));
  assert.deepEqual(
    discovery
      .registered()
      .map((i) => i.id)
      .sort(),
    [...ids].sort(),
  );
  assert.deepEqual(
    errors.filter((e) => e instanceof NodeConflictError),
    [],
  );
});

test('a first register() that fails rejects with a typed error and leaves nothing behind: no node in place within timeoutMs (RegistrationTimeoutError, its create deleted once connected), an id held by another live session (NodeConflictError, their node untouched)', async () => {
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 6000,
  });
  await using other = await startedClient({ connectString: server.connectString });
  await using root = await TestRoot.create(server);
  const basePath = root.child('services');
  await using discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  await discovery.register(serviceInstance({ name: 'api', id: 'first' }));

  // Slow enough that every create reaches the server after register() gave up.
  proxy.setLatency(150);
  for (const serviceType of ['DYNAMIC', 'DYNAMIC_SEQUENTIAL'] as const) {
    await assert.rejects(
      discovery.register(serviceInstance({ name: 'api', id: `late-${serviceType}`, serviceType }), {
        timeoutMs: 50,
      }),
      (e) => e instanceof RegistrationTimeoutError && e.timeoutMs === 50,
    );
  }
  proxy.setLatency(0);
  assert.deepEqual(
    discovery.registered().map((i) => i.id),
    ['first'],
  );
  await eventually(
    async () => (await childrenOf(server, `${basePath}/api`)).join() === 'first',
    timing.ms(5000),
    'the given-up creates deleted',
  );

  await other.client.create(`${basePath}/api/dup`, 'theirs', { mode: 'EPHEMERAL' });
  await assert.rejects(
    discovery.register(serviceInstance({ name: 'api', id: 'dup' })),
    (e) => e instanceof NodeConflictError && e.owner === other.client.session!.sessionId,
  );
  assert.equal((await other.client.getData(`${basePath}/api/dup`)).data.toString(), 'theirs');
  await other.client.delete(`${basePath}/api/dup`);
  await new Promise((r) => setTimeout(r, 200)); // a kept registration would be made by now
  assert.deepEqual(await childrenOf(server, `${basePath}/api`), ['first']);
  assert.deepEqual(
    discovery.registered().map((i) => i.id),
    ['first'],
  );
});
