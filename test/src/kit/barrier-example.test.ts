// docs/recipes/writing-a-recipe.md builds a barrier from the recipe kit. This test holds the
// page to it: the page's code is ./barrier-example.ts, byte for byte, and that barrier works
// against a real server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { AcquireTimeoutError } from '@zk-recipes/core';
import { assertNoLeftoverWatches } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';
import { Barrier } from './barrier-example.js';

const server = sharedServer();
const repo = path.resolve(import.meta.dirname, '../../..');

test('the page shows the barrier this test runs, and it is under 60 lines', () => {
  const page = fs.readFileSync(path.join(repo, 'docs/recipes/writing-a-recipe.md'), 'utf8');
  const source = fs.readFileSync(path.join(repo, 'test/src/kit/barrier-example.ts'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
  assert.equal(block, source);
  assert.ok(source.split('\n').length < 60);
});

test('a barrier holds its waiters until it is removed; timeouts and aborts leave it alone', async () => {
  await using fx = await proxiedClients(server, { clients: 3, proxy: false });
  const { root } = fx;
  const [a, b, c] = fx.clients.map(({ client }) => new Barrier(client, root.child('gate', 'b')));
  await new Barrier(fx.clients[0].client, root.child('none')).waitOnBarrier(); // no node: passes
  await a!.set();
  await a!.set(); // idempotent
  await assert.rejects(b!.waitOnBarrier({ timeoutMs: 100 }), (e) => {
    assert.ok(e instanceof AcquireTimeoutError);
    assert.equal(e.path, root.child('gate', 'b'));
    return true;
  });
  const ac = new AbortController();
  const aborted = c!.waitOnBarrier({ signal: ac.signal });
  ac.abort();
  await assert.rejects(aborted, { name: 'AbortError' });
  let passed = 0;
  const waiting = [b!, c!].map((x) => x.waitOnBarrier({ timeoutMs: 10_000 }).then(() => passed++));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(passed, 0, 'nobody passes a raised barrier');
  await a!.remove();
  await Promise.all(waiting);
  assert.equal(passed, 2);
  await assertNoLeftoverWatches(server, { under: root.path });
});
