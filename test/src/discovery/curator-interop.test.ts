// A Java service on curator-x-discovery (typed payload class, Curator's JsonInstanceSerializer)
// and ours share one base path: each reads the other's instances, payloads and URIs, the JSON
// of one instance is the same bytes from both, and each side's ServiceCache follows the other's
// registrations and removals.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import {
  instanceSerializer,
  serviceInstance,
  ServiceDiscovery,
  uri,
  type ServiceInstance,
  type ServiceType,
} from '@zk-recipes/discovery';
import { TestingServer, TestRoot } from '@zk-recipes/testing';
import { eventually } from '../support/cache-helpers.js';
import { startedClient, type StartedClient } from '../support/core-helpers.js';
import {
  JAVA_DETAILS_CLASS,
  JavaDiscovery,
  type JavaSeen,
  type JavaSpec,
} from '../support/discovery-java.js';

const details = z.object({ description: z.string(), weight: z.number().int() });
type Details = z.infer<typeof details>;

let server: TestingServer;
let root: TestRoot;
let java: JavaDiscovery;
let ts: StartedClient;
let discovery: ServiceDiscovery<Details>;

// One server and one JVM for the file, started in one hook (the JVM needs the server).
before(async () => {
  server = await TestingServer.start();
  root = await TestRoot.create(server);
  java = await JavaDiscovery.start(server.connectString, root.child('services'));
  ts = await startedClient({ connectString: server.connectString });
  discovery = new ServiceDiscovery(ts.client, {
    basePath: root.child('services'),
    payload: details,
    payloadClass: JAVA_DETAILS_CLASS,
  });
  await discovery.start();
});

after(async () => {
  await discovery?.close();
  await java?.[Symbol.asyncDispose]();
  await ts?.[Symbol.asyncDispose]();
  await root?.remove();
  await server?.close();
});

const SPECS: JavaSpec[] = [
  {
    name: 'api',
    id: 'full',
    address: '10.0.0.2',
    port: 8080,
    sslPort: 8443,
    payload: { description: 'ssl one', weight: 5 },
    registrationTimeUTC: 1700000000002,
    serviceType: 'DYNAMIC',
    uriSpec:
      '{scheme}://{address}:{port}/{name}/{id}?t={service-type}&r={registration-time-utc}&s={ssl-port}&u={unknown}{[}{]}',
  },
  {
    name: 'api',
    id: 'bare',
    address: null,
    port: null,
    sslPort: null,
    payload: null,
    registrationTimeUTC: 1,
    serviceType: 'STATIC',
    uriSpec: null,
  },
  {
    name: 'api',
    id: 'seq-',
    address: 'h',
    port: 1,
    sslPort: null,
    payload: { description: 'émoji ✓ "quoted"', weight: -3 },
    registrationTimeUTC: 2,
    serviceType: 'DYNAMIC_SEQUENTIAL',
    uriSpec: '{scheme}://{address}:{port}',
  },
  {
    name: 'api',
    id: 'perm',
    address: 'fd00::2%eth0',
    port: 65535,
    sslPort: 0,
    payload: { description: '', weight: 0 },
    registrationTimeUTC: 3,
    serviceType: 'PERMANENT',
    uriSpec: 'plain',
  },
];

const ours = (s: JavaSpec): ServiceInstance<Details> =>
  serviceInstance({ ...s, serviceType: s.serviceType as ServiceType });

/** What the Java side reports of an instance, from ours. */
const seen = (i: ServiceInstance<Details>): JavaSeen => ({
  name: i.name,
  id: i.id,
  address: i.address,
  port: i.port,
  sslPort: i.sslPort,
  description: i.payload?.description ?? null,
  weight: i.payload?.weight ?? null,
  serviceType: i.serviceType,
  uri: uri(i) ?? null,
});

const byId = <T extends { id: string }>(l: T[]) => [...l].sort((a, b) => (a.id < b.id ? -1 : 1));

test("the same instance is the same JSON bytes from Curator's JsonInstanceSerializer (typed payload) and from ours, for every service type, absent values and uriSpec escapes", async () => {
  const s = instanceSerializer({ payload: details, payloadClass: JAVA_DETAILS_CLASS });
  for (const spec of SPECS) {
    const javaBytes = await java.serialize(spec);
    assert.equal(s.serialize(ours(spec)).toString(), javaBytes.toString(), spec.id);
    assert.deepEqual(s.deserialize(javaBytes), ours(spec), spec.id);
  }
});

test('Java registers instances with its typed payload and we read them with a zod schema (payload, fields, uri() as Java builds it); Java reads ours with its typed payload class (no ClassCastException), URIs alike', async () => {
  const javaSpecs = SPECS.map((s) => ({ ...s, name: 'from-java' }));
  for (const s of javaSpecs) await java.register(s);
  const read = byId(await discovery.instances('from-java'));
  assert.deepEqual(read, byId(javaSpecs.map(ours)));
  // Java renders the same URIs from its own instances.
  assert.deepEqual(
    byId(await java.query('from-java')).map((j) => j.uri),
    read.map((i) => uri(i) ?? null),
  );

  const tsSpecs = SPECS.map((s) => ({ ...s, name: 'from-ts' }));
  for (const s of tsSpecs) await discovery.register(ours(s));
  assert.deepEqual(byId(await java.query('from-ts')), byId(tsSpecs.map((s) => seen(ours(s)))));
  for (const s of javaSpecs) await java.unregister(s);
});

test("a Java ServiceCache sees our registrations, updates and removals; our ServiceCache sees Java's", async () => {
  await java.cache('mixed');
  await using cache = await discovery.serviceCache('mixed');
  const a = ours({ ...SPECS[0]!, name: 'mixed', id: 'ts-a' });
  await discovery.register(a);
  const javaIds = async () => (await java.cached('mixed')).map((i) => i.id).sort();
  const until = async (what: string, check: () => Promise<boolean>) => {
    const end = Date.now() + 10_000;
    while (!(await check())) {
      assert.ok(Date.now() < end, `timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until('the Java cache sees ts-a', async () => (await javaIds()).includes('ts-a'));
  await discovery.update(serviceInstance({ ...a, payload: { description: 'new', weight: 9 } }));
  await until('the Java cache sees the update', async () =>
    (await java.cached('mixed')).some((i) => i.id === 'ts-a' && i.weight === 9),
  );
  const j = { ...SPECS[1]!, name: 'mixed', id: 'java-b' };
  await java.register(j);
  await eventually('our cache sees java-b', () => cache.instances().some((i) => i.id === 'java-b'));
  await discovery.unregister('ts-a');
  await until('the Java cache sees ts-a removed', async () => !(await javaIds()).includes('ts-a'));
  await java.unregister(j);
  await eventually('our cache sees java-b removed', () => cache.instances().length === 0);
});
