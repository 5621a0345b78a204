// ConfigCache and ConfigMap against a real server: typed values checked by a zod schema, an
// invalid value never replacing the last good one, publish and update (compare-and-set, no
// lost update between racing publishers), a deleted node, and bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigCache, ConfigInvalidError, ConfigMap } from '@zk-recipes/cache';
import { InvalidArgumentError, RecipeClosedError } from '@zk-recipes/core';
import { assertNoLeftoverWatches } from '@zk-recipes/testing';
import { eventually } from '../support/cache-helpers.js';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();
const schema = z.object({ maxConnections: z.number().int().positive(), region: z.string() });
type Config = z.infer<typeof schema>;

test('ConfigCache: typed value, invalid data (not JSON, schema failure) keeps the last good value and emits invalid, changes() yields valid values', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const [{ client }, { client: writer }] = fx.clients;
  const path = fx.root.child('config', 'billing');
  await using config = new ConfigCache(client, path, {
    schema,
    default: { maxConnections: 1, region: 'none' },
  });
  const invalid: ConfigInvalidError[] = [];
  config.on('invalid', (e) => invalid.push(e));
  await config.start();
  await config.ready({ timeoutMs: 10_000 });
  assert.deepEqual(config.get(), { maxConnections: 1, region: 'none' }, 'default while absent');
  assert.equal(config.exists, false);
  assert.equal(await writer.exists(path), null, 'the cache did not create the node');

  const seen: (Config | undefined)[] = [];
  const reading = (async () => {
    for await (const v of config.changes()) {
      seen.push(v);
      if (seen.length === 2) break;
    }
  })();
  await config.publish({ maxConnections: 10, region: 'eu' });
  await eventually('first value', () => config.get()?.maxConnections === 10);
  assert.equal(config.exists, true);

  await writer.setData(path, 'not json {');
  await eventually('invalid JSON reported', () => invalid.length === 1);
  assert.equal(invalid[0]!.reason, 'json');
  assert.equal(invalid[0]!.code, 'CONFIG_INVALID');
  assert.deepEqual(config.get(), { maxConnections: 10, region: 'eu' }, 'last good value kept');

  await writer.setData(path, JSON.stringify({ maxConnections: -5, region: 'eu' }));
  await eventually('schema failure reported', () => invalid.length === 2);
  assert.equal(invalid[1]!.reason, 'schema');
  assert.ok(invalid[1]!.cause instanceof z.ZodError, 'the zod error is the cause');
  assert.equal(config.get()?.maxConnections, 10);

  await writer.setData(path, JSON.stringify({ maxConnections: 20, region: 'us' }));
  await eventually('valid again', () => config.get()?.maxConnections === 20);
  await reading;
  assert.deepEqual(
    seen.map((v) => v?.maxConnections),
    [10, 20],
    'changes() yields valid values only',
  );

  // Publishing an invalid value is refused before anything is sent.
  const version = (await writer.exists(path))!.version;
  await assert.rejects(
    config.publish({ maxConnections: 0, region: 'x' }),
    (e) => e instanceof ConfigInvalidError && e.reason === 'schema',
  );
  assert.equal((await writer.exists(path))!.version, version);

  // Deleted: absent, back to the default.
  await writer.delete(path);
  await eventually('deleted', () => !config.exists);
  assert.deepEqual(config.get(), { maxConnections: 1, region: 'none' });
  await config.close();
  await assertNoLeftoverWatches(server, { under: fx.root.path });
});

test('ConfigCache: keepLastOnDelete keeps the last good value of a deleted node', async () => {
  await using fx = await proxiedClients(server, { clients: 1, proxy: false });
  const { client } = fx.clients[0];
  const path = fx.root.child('kept');
  await using config = new ConfigCache(client, path, { schema, keepLastOnDelete: true });
  await config.start();
  await config.publish({ maxConnections: 3, region: 'eu' });
  await config.ready({ timeoutMs: 10_000 });
  await eventually('value', () => config.get()?.maxConnections === 3);
  await client.delete(path);
  await eventually('deleted', () => !config.exists);
  assert.equal(config.get()?.maxConnections, 3);
});

test('ConfigCache.update: two publishers racing 50 increments each lose no update', async () => {
  await using fx = await proxiedClients(server, { clients: 3, proxy: false });
  const [{ client }, { client: p1 }, { client: p2 }] = fx.clients;
  const path = fx.root.child('counter');
  const counter = z.object({ n: z.number().int() });
  const watcher = new ConfigCache(client, path, { schema: counter });
  await watcher.start();
  const a = new ConfigCache(p1, path, { schema: counter });
  const b = new ConfigCache(p2, path, { schema: counter });
  await a.publish({ n: 0 });
  const bump = (c: ConfigCache<{ n: number }>) => async () => {
    for (let i = 0; i < 50; i++) await c.update((cur) => ({ n: (cur?.n ?? 0) + 1 }));
  };
  await Promise.all([bump(a)(), bump(b)()]);
  await eventually('watcher sees 100', () => watcher.get()?.n === 100);
  // An update whose function returns an invalid value is refused and writes nothing.
  await assert.rejects(
    a.update(() => ({ n: 1.5 })),
    (e) => e instanceof ConfigInvalidError,
  );
  assert.deepEqual(await a.update(() => undefined), { n: 100 }, 'undefined leaves the value');
  await watcher.close();
});

test('ConfigMap: one typed value per child, invalid children reported, keys come and go', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const [{ client }, { client: writer }] = fx.clients;
  const path = fx.root.child('tenants');
  const tenant = z.object({ quota: z.number() });
  await using map = new ConfigMap(client, path, { schema: tenant });
  const invalid: string[] = [];
  map.on('invalid', (key) => invalid.push(key));
  await map.start();
  await map.ready({ timeoutMs: 10_000 });
  assert.deepEqual(map.keys(), []);
  await map.publish('acme', { quota: 5 });
  await map.publish('globex', { quota: 7 });
  await writer.create(`${path}/broken`, 'nope');
  await eventually('two keys', () => map.keys().length === 2 && invalid.includes('broken'));
  assert.equal(map.get('acme')?.quota, 5);
  await map.update('acme', (cur) => ({ quota: (cur?.quota ?? 0) * 2 }));
  await eventually('updated', () => map.get('acme')?.quota === 10);
  await writer.delete(`${path}/globex`);
  await eventually('key removed', () => map.keys().join() === 'acme');
  await assert.rejects(map.publish('a/b', { quota: 1 }), InvalidArgumentError);
  await assert.rejects(map.publish('x', { quota: 'no' } as never), ConfigInvalidError);
});

test('config bad input: a schema that is not one, a path that is not valid', async () => {
  await using fx = await proxiedClients(server, { clients: 1, proxy: false });
  const { client } = fx.clients[0];
  assert.throws(() => new ConfigCache(client, '/x', { schema: {} as never }), InvalidArgumentError);
  assert.throws(() => new ConfigCache(client, 'x', { schema }), InvalidArgumentError);
  assert.throws(() => new ConfigMap(client, '/x/', { schema }), InvalidArgumentError);
  assert.throws(() => new ConfigCache(client, '/x', undefined as never), InvalidArgumentError);
  // A default the schema refuses is refused at construction (it was served by get() as valid).
  assert.throws(
    () => new ConfigCache(client, '/x', { schema, default: { maxConnections: -5, region: 'eu' } }),
    (e) => e instanceof ConfigInvalidError && e.code === 'CONFIG_INVALID' && e.reason === 'schema',
  );
});

test('ConfigCache and ConfigMap: every call after close() is a RecipeClosedError and nothing is written', async () => {
  await using fx = await proxiedClients(server, { clients: 1, proxy: false });
  const { client } = fx.clients[0];
  const closed = (e: unknown) => e instanceof RecipeClosedError && e.code === 'RECIPE_CLOSED';
  const one = { maxConnections: 1, region: 'eu' };
  const config = new ConfigCache(client, fx.root.child('c'), { schema, default: one });
  const map = new ConfigMap(client, fx.root.child('m'), { schema });
  await config.start();
  await map.start();
  await config.ready({ timeoutMs: 10_000 });
  await map.ready({ timeoutMs: 10_000 });
  await config.close();
  await map.close();
  await assert.rejects(config.ready(), closed);
  await assert.rejects(config.publish(one), closed);
  await assert.rejects(
    config.update(() => one),
    closed,
  );
  assert.throws(() => config.get(), closed);
  assert.throws(() => config.changes(), closed);
  assert.throws(() => config.isStale(), closed);
  await assert.rejects(map.ready(), closed);
  await assert.rejects(map.publish('k', one), closed);
  await assert.rejects(
    map.update('k', () => one),
    closed,
  );
  assert.throws(() => map.get('k'), closed);
  assert.throws(() => map.keys(), closed);
  assert.throws(() => map.entries(), closed);
  assert.throws(() => map.changes(), closed);
  assert.equal(await client.exists(fx.root.child('c')), null, 'nothing written');
  assert.equal(await client.exists(fx.root.child('m')), null, 'nothing written');
});
