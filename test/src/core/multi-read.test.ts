// multiRead (ZooKeeper 3.6+): many getData and getChildren in one request, serialized and read
// by core. Each read answers alone (a missing node fails its own read only), paths follow the
// namespace, bad input is refused before sending, an older server is refused before sending.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError, NoNodeError, ServerTooOldError } from '@zk-recipes/core';
import { timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('multiRead: data, Stats and children of many nodes in one request; a missing node fails alone; namespaces apply', async () => {
  await using fx = await proxiedClients(server, { clients: [{}, { direct: true }] });
  const [{ client }, { client: writer }] = fx.clients;
  const base = fx.root.child('mr');
  await writer.create(base, 'base');
  await writer.multi(
    Array.from({ length: 300 }, (_, i) => ({
      op: 'create' as const,
      path: `${base}/n${i}`,
      data: `v${i}`,
    })),
  );
  await writer.setData(`${base}/n7`, 'changed');
  const requests = fx.proxy.requestCount('multiRead');
  const reads = fx.proxy.operationCount('getData');

  const results = await client.multiRead([
    ...Array.from({ length: 300 }, (_, i) => ({ op: 'getData' as const, path: `${base}/n${i}` })),
    { op: 'getChildren', path: base },
    { op: 'getData', path: `${base}/absent` },
    { op: 'getChildren', path: `${base}/absent` },
    { op: 'getData', path: base },
  ]);
  assert.equal(fx.proxy.requestCount('multiRead') - requests, 1, 'one request');
  assert.equal(fx.proxy.operationCount('getData') - reads, 302, 'carrying every read');
  assert.equal(results.length, 304);
  for (let i = 0; i < 300; i++) {
    const r = results[i]!;
    assert.ok(r.op === 'getData' && 'data' in r, `read ${i}`);
    assert.equal(r.path, `${base}/n${i}`);
    assert.equal(r.data.toString(), i === 7 ? 'changed' : `v${i}`);
    if (i % 50 === 7) assert.deepEqual(r.stat, await writer.exists(r.path), `the Stat of n${i}`);
  }
  const listed = results[300]!;
  assert.ok('children' in listed);
  assert.equal(listed.children.length, 300);
  assert.deepEqual(
    [...listed.children].sort(),
    Array.from({ length: 300 }, (_, i) => `n${i}`).sort(),
  );
  for (const r of [results[301]!, results[302]!]) {
    assert.ok('error' in r && r.error instanceof NoNodeError, `${r.op} of an absent node`);
    assert.equal(r.error.path, `${base}/absent`);
  }
  const last = results[303]!;
  assert.ok('data' in last && last.data.toString() === 'base', 'the reads after a failed one');

  // A namespaced view: paths in, paths out, as the caller gave them.
  const view = client.usingNamespace(base.slice(1));
  const [a, b] = await view.multiRead([
    { op: 'getData', path: '/n1' },
    { op: 'getChildren', path: '/' },
  ]);
  assert.ok(a && 'data' in a && a.path === '/n1' && a.data.toString() === 'v1');
  assert.ok(b && 'children' in b && b.children.length === 300);
  // Removed in one request: the test root's cleanup would delete them one by one.
  await writer.multi(
    Array.from({ length: 300 }, (_, i) => ({ op: 'delete' as const, path: `${base}/n${i}` })),
  );
});

test('multiRead bad input is refused before sending; an older server is refused before sending', async () => {
  await using fx = await proxiedClients(server, { clients: [{}, { direct: true }] });
  const [{ client }, { client: direct }] = fx.clients;
  const sent = () => fx.proxy.requestCount('multiRead');
  const before = sent();
  const bad: unknown[] = [
    [],
    'x',
    [{ op: 'setData', path: '/a' }],
    [{ op: 'getData', path: 'relative' }],
    [{ op: 'getData', path: '/a/' }],
    [null],
  ];
  for (const ops of bad) {
    await assert.rejects(
      client.multiRead(ops as never),
      (e: unknown) => e instanceof InvalidArgumentError,
      JSON.stringify(ops),
    );
  }
  assert.equal(sent(), before, 'nothing sent');
  await timing.waitFor(() => direct.serverVersion, { message: 'the server version' });
  // Pretend the server is 3.5 (the test server is 3.8): multiRead needs 3.6.
  const raw = (direct as unknown as { s: { connection: { raw: { serverVersion: string } } } }).s
    .connection.raw;
  raw.serverVersion = '3.5.9';
  await assert.rejects(
    direct.multiRead([{ op: 'getData', path: '/' }]),
    (e: unknown) => e instanceof ServerTooOldError && e.required === '3.6.0',
  );
});
