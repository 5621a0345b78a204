// ServiceDiscovery's registration side against a real server: Curator's JSON bytes and UriSpec,
// node modes by service type, checks before anything is sent, and the registration lifecycle
// where Curator misbehaves (a plain reconnect deletes and re-creates every instance; a new
// session re-creates persistent ones too; DYNAMIC_SEQUENTIAL duplicated and never removed;
// PERMANENT removed on close).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import {
  ClientClosedError,
  IllegalStateError,
  InvalidArgumentError,
  RecipeClosedError,
  SerializationError,
  type Stat,
} from '@zk-recipes/core';
import { RELEASE_BOUND_MS } from '@zk-recipes/core/recipe';
import {
  instanceSerializer,
  parseUriSpec,
  serviceInstance,
  ServiceDiscovery,
  uri,
  type ServiceType,
} from '@zk-recipes/discovery';
import { childrenOf, expireSession, FaultProxy, TestRoot, timing } from '@zk-recipes/testing';
import { startedClient, waitForNewSession } from '../support/core-helpers.js';
import { eventually } from '../support/cache-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

// What Curator's JsonInstanceSerializer wrote for this instance (docs/protocol.md).
const CURATOR_BYTES =
  '{"name":"api","id":"i-ssl","address":"10.0.0.2","port":8080,"sslPort":8443,' +
  '"payload":{"@class":"demo.InstanceDetails","description":"ssl one","weight":5},' +
  '"registrationTimeUTC":1700000000002,"serviceType":"DYNAMIC",' +
  '"uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},' +
  '{"value":"address","variable":true},{"value":":","variable":false},' +
  '{"value":"port","variable":true},{"value":"/v1","variable":false}]}}';

const details = z.object({ description: z.string(), weight: z.number().int() });

test('instance JSON is byte for byte what Curator writes: the 9 fields in its order, null for absent values, "@class" on object payloads, no "enabled" unless asked; reading takes Long wrappers, missing "@class", unknown fields and enabled:false', () => {
  const s = instanceSerializer({ payload: details, payloadClass: 'demo.InstanceDetails' });
  const ssl = serviceInstance({
    name: 'api',
    id: 'i-ssl',
    address: '10.0.0.2',
    port: 8080,
    sslPort: 8443,
    payload: { description: 'ssl one', weight: 5 },
    registrationTimeUTC: 1700000000002,
    uriSpec: '{scheme}://{address}:{port}/v1',
  });
  assert.equal(s.serialize(ssl).toString(), CURATOR_BYTES);
  assert.deepEqual(s.deserialize(Buffer.from(CURATOR_BYTES)), ssl);

  const bare = serviceInstance({ name: 'api', id: 'b', address: null, registrationTimeUTC: 1 });
  const plain = instanceSerializer();
  assert.equal(
    plain.serialize(bare).toString(),
    '{"name":"api","id":"b","address":null,"port":null,"sslPort":null,"payload":null,' +
      '"registrationTimeUTC":1,"serviceType":"DYNAMIC","uriSpec":null}',
  );
  assert.match(
    instanceSerializer({ writeEnabled: true }).serialize(bare).toString(),
    /"uriSpec":null,"enabled":true}$/,
  );
  // Jackson's typing of an Object payload: a map gets LinkedHashMap, a long a wrapper array.
  const payloadOf = (b: Buffer) => (JSON.parse(b.toString()) as { payload: unknown }).payload;
  const typed = (payload: unknown) =>
    payloadOf(plain.serialize(serviceInstance({ ...bare, payload })));
  assert.deepEqual(typed({ a: 1 }), { '@class': 'java.util.LinkedHashMap', a: 1 });
  assert.deepEqual(typed(2 ** 40), ['java.lang.Long', 2 ** 40]);
  assert.equal(typed('just a string'), 'just a string');
  assert.deepEqual(
    payloadOf(
      instanceSerializer({ payloadClass: false }).serialize(
        serviceInstance({ ...bare, payload: { a: 1 } }),
      ),
    ),
    { a: 1 },
  );

  const read = plain.deserialize(
    Buffer.from(
      '{"name":"api","id":"x","payload":["java.lang.Long",42],"extra":{"y":1},"enabled":false}',
    ),
  );
  assert.equal(read.payload, 42);
  assert.equal(read.enabled, false);
  assert.equal(read.port, null);
  assert.deepEqual(
    s.deserialize(Buffer.from('{"name":"api","id":"x","payload":{"description":"d","weight":1}}'))
      .payload,
    { description: 'd', weight: 1 },
  );
  // Not an instance, or a payload failing the schema: a SerializationError, never a crash.
  for (const bad of [
    'hello',
    '[1]',
    '{"id":"x"}',
    '{"name":"a","id":"x","payload":{"weight":"5"}}',
  ]) {
    assert.throws(() => s.deserialize(Buffer.from(bad)), SerializationError, bad);
  }
});

test("uri() renders Curator's UriSpec with its quirks: {port} stays the plain port under https, [ and ] escape braces, {service-type} in lower case, absent values and unknown variables empty; a malformed spec is an InvalidArgumentError", () => {
  const i = serviceInstance({
    name: 'api',
    id: 'i1',
    address: '10.0.0.2',
    port: 8080,
    sslPort: 8443,
    registrationTimeUTC: 7,
    serviceType: 'DYNAMIC_SEQUENTIAL',
    uriSpec:
      '{scheme}://{address}:{port}/{name}/{id}?s={ssl-port}&t={service-type}&r={registration-time-utc}&x={ x }&{[}{]}',
  });
  assert.equal(uri(i), 'https://10.0.0.2:8080/api/i1?s=8443&t=dynamic_sequential&r=7&x=&{}');
  assert.equal(uri(i, { x: 'given' })?.endsWith('&x=given&{}'), true);
  const noSsl = serviceInstance({
    ...i,
    sslPort: null,
    port: null,
    uriSpec: '{scheme}://h:{port}',
  });
  assert.equal(uri(noSsl), 'http://h:');
  assert.equal(uri(serviceInstance({ ...i, uriSpec: null })), undefined);
  for (const bad of ['{a{b}}', 'a}', '{open']) {
    assert.throws(() => parseUriSpec(bad), InvalidArgumentError, bad);
  }
});

test('bad input is refused with a typed error before anything is sent: names and ids with "/", ports out of range, an unknown service type, a payload failing the schema', async () => {
  await using c = await startedClient({ connectString: server.connectString });
  await using root = await TestRoot.create(server);
  await using discovery = new ServiceDiscovery(c.client, {
    basePath: root.child('services'),
    payload: details,
  });
  await discovery.start();
  const field = (f: string) => (e: unknown) =>
    e instanceof InvalidArgumentError && e.code === 'INVALID_ARGUMENT' && e.field === f;
  assert.throws(() => serviceInstance({ name: 'a/b' }), field('name'));
  assert.throws(() => serviceInstance({ name: 'a', id: 'x/y' }), field('id'));
  assert.throws(() => serviceInstance({ name: '..' }), field('name'));
  assert.throws(() => serviceInstance({ name: 'a', port: 70000 }), field('port'));
  assert.throws(() => serviceInstance({ name: 'a', sslPort: -1 }), field('sslPort'));
  assert.throws(() => serviceInstance({ name: 'a', port: 1.5 }), field('port'));
  assert.throws(
    () => serviceInstance({ name: 'a', serviceType: 'EPHEMERAL' as ServiceType }),
    field('serviceType'),
  );
  await assert.rejects(
    discovery.register(
      serviceInstance({ name: 'a', payload: { description: 'x', weight: 'heavy' } as never }),
    ),
    (e) => e instanceof SerializationError && e.code === 'SERIALIZATION',
  );
  await assert.rejects(discovery.instances('a/b'), field('name'));
  await assert.rejects(discovery.unregister('x/y'), field('id'));
  assert.throws(() => new ServiceDiscovery(c.client, { basePath: 'relative' }));
  // Nothing was sent: not even the base path exists.
  assert.equal(await c.client.exists(root.child('services')), null);
});

const TYPES: ServiceType[] = ['DYNAMIC', 'DYNAMIC_SEQUENTIAL', 'STATIC', 'PERMANENT'];

async function statOf(c: { client: { exists(p: string): Promise<Stat | null> } }, path: string) {
  const s = await c.client.exists(path);
  assert.ok(s, `${path} exists`);
  return s;
}

test('each service type gets its node mode (DYNAMIC ephemeral, DYNAMIC_SEQUENTIAL ephemeral sequential with the id un-suffixed in its JSON, STATIC and PERMANENT persistent); names(), instances() and instance() find all, update rewrites the real node, unregister removes it; the service node is a container the server reaps once empty', async () => {
  await using c = await startedClient({ connectString: server.connectString });
  await using root = await TestRoot.create(server);
  const basePath = root.child('services');
  await using discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  const session = c.client.session!.sessionId;
  for (const t of TYPES) {
    await discovery.register(
      serviceInstance({ name: 'api', id: `i-${t}`, serviceType: t, port: 1 }),
    );
  }
  await discovery.register(serviceInstance({ name: 'other', id: 'o1' }));
  assert.deepEqual(await discovery.names(), ['api', 'other']);
  const kids = (await childrenOf(server, `${basePath}/api`)).sort();
  assert.equal(kids.length, 4);
  assert.match(kids[1]!, /^i-DYNAMIC_SEQUENTIAL\d{10}$/);
  assert.deepEqual([kids[0], kids[2], kids[3]], ['i-DYNAMIC', 'i-PERMANENT', 'i-STATIC']);
  const seqNode = kids[1]!;
  assert.equal((await statOf(c, `${basePath}/api/i-DYNAMIC`)).ephemeralOwner, session);
  assert.equal((await statOf(c, `${basePath}/api/${seqNode}`)).ephemeralOwner, session);
  assert.equal((await statOf(c, `${basePath}/api/i-STATIC`)).ephemeralOwner, 0n);
  assert.equal((await statOf(c, `${basePath}/api/i-PERMANENT`)).ephemeralOwner, 0n);
  const json = (await c.client.getData(`${basePath}/api/${seqNode}`)).data.toString();
  assert.equal((JSON.parse(json) as { id: string }).id, 'i-DYNAMIC_SEQUENTIAL');

  assert.deepEqual(
    (await discovery.instances('api')).map((i) => i.id).sort(),
    TYPES.map((t) => `i-${t}`).sort(),
  );
  assert.equal((await discovery.instance('api', 'i-DYNAMIC_SEQUENTIAL'))?.port, 1);
  assert.equal(await discovery.instance('api', 'missing'), undefined);

  // update: setData on the real (suffixed) node, no second node.
  await discovery.update(
    serviceInstance({
      name: 'api',
      id: 'i-DYNAMIC_SEQUENTIAL',
      serviceType: 'DYNAMIC_SEQUENTIAL',
      port: 2,
    }),
  );
  assert.equal((await discovery.instance('api', 'i-DYNAMIC_SEQUENTIAL'))?.port, 2);
  assert.equal((await childrenOf(server, `${basePath}/api`)).length, 4);
  await assert.rejects(
    discovery.update(serviceInstance({ name: 'api', id: 'never-registered' })),
    InvalidArgumentError,
  );

  for (const t of TYPES) await discovery.unregister(`i-${t}`);
  await discovery.unregister('i-DYNAMIC'); // again: nothing to do
  assert.deepEqual(await childrenOf(server, `${basePath}/api`), []);
  // Curator's layout: the service node is a container, reaped by the server once empty.
  const reapDeadline = Date.now() + timing.ms(10_000);
  while ((await c.client.exists(`${basePath}/api`)) !== null) {
    assert.ok(Date.now() < reapDeadline, 'the empty service node was not reaped');
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('close() removes DYNAMIC, DYNAMIC_SEQUENTIAL and STATIC instances and leaves PERMANENT ones (Curator deletes PERMANENT ones, CURATOR-94, and misses sequential ones)', async () => {
  await using root = await TestRoot.create(server);
  const basePath = root.child('services');
  {
    await using c = await startedClient({ connectString: server.connectString });
    const discovery = new ServiceDiscovery(c.client, { basePath });
    await discovery.start();
    for (const t of TYPES) {
      await discovery.register(serviceInstance({ name: 'api', id: `i-${t}`, serviceType: t }));
    }
    await discovery.close();
    // Still on the same session: the ephemerals were deleted, not left to the session's end.
    assert.deepEqual(await childrenOf(server, `${basePath}/api`), ['i-PERMANENT']);
  }
  await using c2 = await startedClient({ connectString: server.connectString });
  await using reader = new ServiceDiscovery(c2.client, { basePath });
  await reader.start();
  assert.deepEqual(
    (await reader.instances('api')).map((i) => i.id),
    ['i-PERMANENT'],
  );
});

test('a connection cut shorter than the session changes nothing on the server: every instance keeps its czxid and mzxid (Curator deletes and re-creates each one, and duplicates DYNAMIC_SEQUENTIAL ones)', async () => {
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 10_000,
  });
  await using root = await TestRoot.create(server);
  const basePath = root.child('services');
  await using discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  for (const t of TYPES) {
    await discovery.register(serviceInstance({ name: 'api', id: `i-${t}`, serviceType: t }));
  }
  await using w = await startedClient({ connectString: server.connectString });
  const snapshot = async () => {
    const out = new Map<string, string>();
    for (const k of await childrenOf(server, `${basePath}/api`)) {
      const s = (await w.client.exists(`${basePath}/api/${k}`))!;
      out.set(k, `${s.czxid}/${s.mzxid}`);
    }
    return out;
  };
  const before = await snapshot();
  const reconnects = c.states().filter((s) => s === 'RECONNECTED').length;
  proxy.closeAll();
  await eventually(
    'RECONNECTED',
    () => c.states().filter((s) => s === 'RECONNECTED').length > reconnects,
  );
  await new Promise((r) => setTimeout(r, 300)); // any re-registration would be under way
  assert.deepEqual(await snapshot(), before);
});

test('after a new session, instances are re-created only where missing and data rewritten only where it differs: ephemerals back (one sequential node, not two), an untouched persistent node keeps its mzxid, one changed meanwhile gets our data back', async () => {
  await using c = await startedClient({
    connectString: server.connectString,
    sessionTimeoutMs: 4000,
  });
  await using root = await TestRoot.create(server);
  const basePath = root.child('services');
  await using discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  for (const t of TYPES) {
    await discovery.register(
      serviceInstance({ name: 'api', id: `i-${t}`, serviceType: t, port: 9 }),
    );
  }
  await using w = await startedClient({ connectString: server.connectString });
  const staticPath = `${basePath}/api/i-STATIC`;
  const permanentPath = `${basePath}/api/i-PERMANENT`;
  const staticBefore = (await w.client.exists(staticPath))!;
  const ours = (await w.client.getData(permanentPath)).data;
  const old = c.client.session!.sessionId;
  await expireSession(c.client, server);
  // Meanwhile someone else rewrote the PERMANENT one.
  await w.client.setData(permanentPath, '{"name":"api","id":"i-PERMANENT"}');
  await waitForNewSession(c.client, old);
  const session = c.client.session!.sessionId;
  const deadline = Date.now() + timing.ms(1000);
  for (;;) {
    const kids = await childrenOf(server, `${basePath}/api`);
    const dyn = await w.client.exists(`${basePath}/api/i-DYNAMIC`);
    const seq = kids.filter((k) => k.startsWith('i-DYNAMIC_SEQUENTIAL'));
    const seqOwner =
      seq.length === 1
        ? (await w.client.exists(`${basePath}/api/${seq[0]!}`))?.ephemeralOwner
        : undefined;
    const perm = (await w.client.getData(permanentPath)).data;
    if (dyn?.ephemeralOwner === session && seqOwner === session && perm.equals(ours)) {
      assert.equal(seq.length, 1);
      break;
    }
    assert.ok(
      Date.now() < deadline,
      `not re-registered within 1 s of the new session: ${kids.join(',')}`,
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  const staticAfter = (await w.client.exists(staticPath))!;
  assert.equal(staticAfter.czxid, staticBefore.czxid);
  assert.equal(
    staticAfter.mzxid,
    staticBefore.mzxid,
    'an unchanged persistent node is not rewritten',
  );
  // Unregister and close remove the re-created sequential node by its real path.
  await discovery.close();
  assert.deepEqual(await childrenOf(server, `${basePath}/api`), ['i-PERMANENT']);
});

test('close() returns within the release bound while ZooKeeper cannot be reached; the ephemerals go with the session, the STATIC node is deleted once it can be', async () => {
  await using proxy = await FaultProxy.start(server);
  await using c = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 4000,
  });
  await using root = await TestRoot.create(server);
  const basePath = root.child('services');
  const discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  await using cache = await discovery.serviceCache('api');
  for (const t of TYPES) {
    await discovery.register(serviceInstance({ name: 'api', id: `i-${t}`, serviceType: t }));
  }
  proxy.partition();
  await eventually('SUSPENDED', () => c.client.state === 'SUSPENDED', 20_000);
  const began = Date.now();
  await discovery.close();
  const took = Date.now() - began;
  assert.ok(took <= RELEASE_BOUND_MS + timing.ms(500), `close took ${took} ms`);
  assert.equal(cache.state, 'CLOSED', 'the discovery closed its cache');
  proxy.heal();
  const end = Date.now() + timing.ms(15_000);
  for (;;) {
    const kids = await childrenOf(server, `${basePath}/api`);
    if (kids.join() === 'i-PERMANENT') break;
    assert.ok(Date.now() < end, `left: ${kids.join(',')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('on a closed client, register(), the queries and serviceCache() reject with ClientClosedError; use before start() is an IllegalStateError, after close() a RecipeClosedError', async () => {
  const c = await startedClient({ connectString: server.connectString });
  await using root = await TestRoot.create(server);
  const discovery = new ServiceDiscovery(c.client, { basePath: root.child('services') });
  await assert.rejects(
    discovery.register(serviceInstance({ name: 'api' })),
    (e) => e instanceof IllegalStateError && e.state === 'LATENT',
  );
  await discovery.start();
  await c.client.close();
  const closed = (e: unknown) => e instanceof ClientClosedError;
  await assert.rejects(discovery.register(serviceInstance({ name: 'api' })), closed);
  await assert.rejects(discovery.names(), closed);
  await assert.rejects(discovery.instances('api'), closed);
  await assert.rejects(discovery.serviceCache('api'), closed);
  await discovery.close();
  await assert.rejects(discovery.names(), RecipeClosedError);
});

test('every call of a closed ServiceDiscovery, ServiceCache or ServiceProvider is a RecipeClosedError (a closed discovery said "start() it first", which it cannot be), and nothing is written', async () => {
  await using c = await startedClient({ connectString: server.connectString });
  await using root = await TestRoot.create(server);
  const basePath = root.child('services');
  const discovery = new ServiceDiscovery(c.client, { basePath });
  await discovery.start();
  const one = serviceInstance({ name: 'api', id: 'one' });
  await discovery.register(one);
  const cache = await discovery.serviceCache('api');
  const provider = await discovery.serviceProvider('api');
  await discovery.close();
  assert.equal(cache.state, 'CLOSED');
  const closed = (e: unknown) => e instanceof RecipeClosedError && e.code === 'RECIPE_CLOSED';
  const two = serviceInstance({ name: 'api', id: 'two' });
  await assert.rejects(discovery.register(two), closed);
  await assert.rejects(discovery.update(one), closed);
  await assert.rejects(discovery.unregister('one'), closed);
  await assert.rejects(discovery.serviceCache('api'), closed);
  await assert.rejects(discovery.serviceProvider('api'), closed);
  await assert.rejects(discovery.names(), closed);
  await assert.rejects(discovery.instances('api'), closed);
  await assert.rejects(discovery.instance('api', 'one'), closed);
  assert.throws(() => discovery.registered(), closed);
  await assert.rejects(cache.ready(), closed);
  assert.throws(() => cache.instances(), closed);
  assert.throws(() => cache.isStale(), closed);
  await assert.rejects(cache.changes().next(), closed);
  assert.throws(() => provider.getInstance(), closed);
  assert.throws(() => provider.getAllInstances(), closed);
  assert.throws(() => provider.noteError(one), closed);
  assert.deepEqual(await childrenOf(server, `${basePath}/api`), [], 'nothing registered');
});
