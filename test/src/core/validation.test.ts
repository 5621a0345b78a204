import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient, InvalidArgumentError, validatePath } from '@zk-recipes/core';
import { TestingServer } from '@zk-recipes/testing';

const isInvalid = (field: string) => (e: unknown) =>
  e instanceof InvalidArgumentError && e.code === 'INVALID_ARGUMENT' && e.field === field;

test('createClient validates every option and names the bad field', () => {
  assert.throws(() => createClient({ connectString: '' }), isInvalid('connectString'));
  assert.throws(() => createClient({ connectString: 'nohost' }), isInvalid('connectString'));
  assert.throws(() => createClient({ connectString: 'h:1/chroot/' }), isInvalid('connectString'));
  assert.throws(
    () => createClient({ connectString: 'h:1', sessionTimeoutMs: -5 }),
    isInvalid('sessionTimeoutMs'),
  );
  assert.throws(
    () => createClient({ connectString: 'h:1', errorPolicy: 'lenient' as 'standard' }),
    isInvalid('errorPolicy'),
  );
  assert.throws(
    () => createClient({ connectString: 'h:1', sesionTimeoutMs: 1 } as never),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
  assert.ok(createClient({ connectString: 'a:1,b:2/app' }));
});

test("paths follow ZooKeeper's rules", () => {
  for (const bad of [
    '',
    'a',
    '/a/',
    '/a//b',
    '/a/./b',
    '/a/../b',
    '/a\u0000b',
    '/a\u0001',
    '/\ud800',
    '/emoji-\u{1F600}',
  ]) {
    assert.throws(() => validatePath(bad), isInvalid('path'), JSON.stringify(bad));
  }
  for (const good of ['/', '/a', '/a/b-c_d.e', '/zookeeper', '/ünïcode'])
    assert.equal(validatePath(good), good);
  assert.equal(validatePath('/q/', { sequential: true }), '/q/');
});

test('bad input is refused before anything is sent', async () => {
  await using server = await TestingServer.start();
  await using client = createClient({ connectString: server.connectString });
  await client.start();
  await assert.rejects(client.create('no-slash'), isInvalid('path'));
  await assert.rejects(client.getData('/a/'), isInvalid('path'));
  await assert.rejects(client.create('/x', 5 as unknown as string), isInvalid('data'));
  await assert.rejects(client.create('/x', 'd', { acl: [] }), isInvalid('acl'));
  await assert.rejects(client.create('/x', 'd', { mode: 'BOGUS' as never }), isInvalid('mode'));
  await assert.rejects(
    client.create('/x', 'd', { mode: 'PERSISTENT_WITH_TTL' }),
    isInvalid('ttlMs'),
  );
  await assert.rejects(client.create('/x', 'd', { ttlMs: 1000 }), isInvalid('ttlMs'));
  await assert.rejects(client.delete('/x', { version: 1.5 }), isInvalid('version'));
  await assert.rejects(client.multi([]), isInvalid('ops'));
  await assert.rejects(client.multi([{ op: 'check', path: 'x', version: 0 }]), isInvalid('path'));
  assert.equal(await client.exists('/x'), null, 'nothing was created');
});

test('per-call options are checked before anything is sent', async () => {
  await using server = await TestingServer.start();
  await using client = createClient({ connectString: server.connectString });
  await client.start();
  await assert.rejects(
    client.getData('/', { requestTimeoutMs: -1 }),
    isInvalid('requestTimeoutMs'),
  );
  await assert.rejects(
    client.exists('/', { requestTimeoutMs: 'soon' as unknown as number }),
    isInvalid('requestTimeoutMs'),
  );
  // A wait's timeoutMs on a request is refused, not silently ignored.
  await assert.rejects(
    client.getData('/', { timeoutMs: 100 } as unknown as { requestTimeoutMs: number }),
    isInvalid('timeoutMs'),
  );
  await assert.rejects(client.create('/x', '', { signal: {} as AbortSignal }), isInvalid('signal'));
  await assert.rejects(
    client.multi([{ op: 'check', path: '/', version: 0 }], { requestTimeoutMs: 0 }),
    isInvalid('requestTimeoutMs'),
  );
  await assert.rejects(client.contend('/l', { lockName: '' }), isInvalid('lockName'));
  await assert.rejects(
    client.contend('/l', { lockName: 'lock-', timeoutMs: -1 }),
    isInvalid('timeoutMs'),
  );
  assert.equal(await client.exists('/x'), null, 'nothing was created');
});
