// Curator interoperability: a Java CuratorCache and our TreeCache over one subtree while a
// third client makes 1,000 changes end with the same state as the server; a ConfigCache reads
// JSON a Java service wrote with Curator's setData, and Java reads what ConfigCache published.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { z } from 'zod';
import { ConfigCache, TreeCache } from '@zk-recipes/cache';
import { cacheTree, eventually, serverTree, sorted } from '../support/cache-helpers.js';
import { JavaCache } from '../support/cache-java.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';
import { TestRoot } from '@zk-recipes/testing';

let shared: Promise<{ java: JavaCache; javaRoot: TestRoot }> | undefined;
// Registered before the shared server's: after hooks run in order, the JVM must go first.
after(async () => {
  const s = await shared?.catch(() => undefined);
  await s?.java[Symbol.asyncDispose]();
  await s?.javaRoot.remove();
});
const server = sharedServer();
// One JVM for the file (its start is most of the time): a CuratorCache on a root of its own.
const javaCache = () =>
  (shared ??= (async () => {
    const javaRoot = await TestRoot.create(server);
    return { java: await JavaCache.start(server.connectString, javaRoot.path), javaRoot };
  })());

test('a Java CuratorCache and a TreeCache over the same subtree, 1,000 changes by a third client: both end equal to the server', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const [{ client }, { client: writer }] = fx.clients;
  const { java, javaRoot } = await javaCache();
  const base = javaRoot.child('shared');
  await writer.create(base, 'base');
  await using ours = new TreeCache(client, base);
  await ours.start();
  await ours.ready({ timeoutMs: 10_000 });
  // 37 keys changed side by side, each key's changes in order: 1,000 changes in all.
  const KEYS = 37;
  await Promise.all(
    Array.from({ length: KEYS }, async (_, k) => {
      for (let i = k; i < 1000; i += KEYS) {
        const key = `${base}/k${k}`;
        if (i % 10 === 9) await writer.delete(key, { deleteChildren: true }).catch(() => undefined);
        else if (i % 5 === 4)
          await writer.create(`${key}/c${i % 3}`, `c${i}`).catch(() => undefined);
        else await writer.setData(key, `v${i}`).catch(() => writer.create(key, `v${i}`));
      }
    }),
  );
  const want = sorted(await serverTree(writer, base));
  const under = (m: Map<string, string>) =>
    sorted(new Map([...m].filter(([p]) => p === base || p.startsWith(`${base}/`))));
  await eventually('ours equals the server', () => {
    return JSON.stringify(sorted(cacheTree(ours.nodes()))) === JSON.stringify(want);
  });
  let javaState: [string, string][] = [];
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    javaState = under(await java.dump());
    if (JSON.stringify(javaState) === JSON.stringify(want)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(javaState, want, 'the Java CuratorCache equals the server');
  assert.deepEqual(sorted(cacheTree(ours.nodes())), javaState, 'both caches hold the same');
});

test('ConfigCache reads the JSON a Java service wrote with Curator setData, and Java reads what ConfigCache published', async () => {
  await using fx = await proxiedClients(server, { clients: 1, proxy: false });
  const { client } = fx.clients[0];
  const path = fx.root.child('config', 'billing');
  const { java } = await javaCache();
  const schema = z.object({ maxConnections: z.number(), regions: z.array(z.string()) });
  await using config = new ConfigCache(client, path, { schema });
  await config.start();
  await config.ready({ timeoutMs: 10_000 });
  await java.set(path, '{"maxConnections":12,"regions":["eu","us"]}');
  await eventually('read Java JSON', () => config.get()?.maxConnections === 12);
  assert.deepEqual(config.get(), { maxConnections: 12, regions: ['eu', 'us'] });
  await config.publish({ maxConnections: 30, regions: ['ap'] });
  assert.equal(await java.get(path), '{"maxConnections":30,"regions":["ap"]}');
  await config.update((cur) => ({ ...cur!, maxConnections: cur!.maxConnections + 1 }));
  assert.deepEqual(JSON.parse((await java.get(path))!), { maxConnections: 31, regions: ['ap'] });
});
