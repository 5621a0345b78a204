// Issue 14: the operation channel published nothing for a Mutex acquire and release, and one
// `exists` for a whole LeaderLatch run: the contender's requests went to the driver untraced.
// Every request a recipe sends is published now, and a holder's release is the `released` event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channels } from '@zk-recipes/core';
import { LeaderLatch } from '@zk-recipes/leader';
import { Mutex } from '@zk-recipes/lock';
import { timing } from '@zk-recipes/testing';
import { proxiedClients } from '../support/proxied-clients.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

interface Operation {
  op: string;
  path: string;
  durationMs: number;
  error?: unknown;
}
interface RecipeEvent {
  recipe: string;
  event: string;
  path: string;
}

/** What the operation and recipe channels publish under `under` while `run` runs. */
async function published(
  under: string,
  run: (seen: { ops: Operation[]; events: RecipeEvent[] }) => Promise<void>,
): Promise<void> {
  const seen = { ops: [] as Operation[], events: [] as RecipeEvent[] };
  const onOp = (m: unknown) => {
    if ((m as Operation).path.startsWith(under)) seen.ops.push(m as Operation);
  };
  const onRecipe = (m: unknown) => {
    if ((m as RecipeEvent).path.startsWith(under)) seen.events.push(m as RecipeEvent);
  };
  channels.operation.subscribe(onOp);
  channels.recipe.subscribe(onRecipe);
  try {
    await run(seen);
  } finally {
    channels.operation.unsubscribe(onOp);
    channels.recipe.unsubscribe(onRecipe);
  }
}

const opsOf = (ops: Operation[]) => new Set(ops.map((o) => o.op));

test('a Mutex acquire and release publish their create, getChildren, getData and delete, and `released`', async () => {
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
  const path = root.child('mutex');
  await published(path, async ({ ops, events }) => {
    const first = await new Mutex(a.client, path).acquire();
    const waiting = new Mutex(b.client, path).acquire({ timeoutMs: timing.ms(10_000) });
    await timing.waitFor(() => ops.some((o) => o.op === 'getData')); // b watches a's node
    await first.release();
    const second = await waiting;
    await second.release();
    await timing.waitFor(() => events.filter((e) => e.event === 'released').length === 2);
    for (const op of ['create', 'getChildren', 'getData', 'delete'])
      assert.ok(opsOf(ops).has(op), `${op} published: ${[...opsOf(ops)].join()}`);
    for (const o of ops) {
      assert.equal(typeof o.durationMs, 'number');
      // The listing sent behind the first create fails NONODE when the lock's node was not
      // there yet (the create then makes it, and lists again): published as it happened.
      const expected =
        o.op === 'getChildren' && (o.error as Error | undefined)?.name === 'NoNodeError';
      if (!expected) assert.equal(o.error, undefined, `${o.op} ${o.path} failed`);
    }
    const deletes = ops.filter((o) => o.op === 'delete').map((o) => o.path);
    const released = events.filter((e) => e.event === 'released').map((e) => e.path);
    assert.deepEqual(released.sort(), deletes.sort(), 'each released node was deleted');
    // a's release and b's grant race (two sessions): compare the events as a multiset.
    assert.deepEqual(
      events
        .filter((e) => e.recipe === 'contender')
        .map((e) => e.event)
        .sort(),
      ['created', 'created', 'granted', 'granted', 'released', 'released'],
    );
  });
});

test('a LeaderLatch start and close publish create, getChildren, exists and delete, and `released`', async () => {
  await using fx = await proxiedClients(server, { clients: 1, proxy: false });
  const { root } = fx;
  const [a] = fx.clients;
  const path = root.child('latch');
  await published(path, async ({ ops, events }) => {
    const latch = new LeaderLatch(a.client, path, { id: 'one' });
    await latch.start();
    await latch.awaitLeadership({ timeoutMs: timing.ms(10_000) });
    await latch.close();
    await timing.waitFor(() => events.some((e) => e.event === 'released'));
    await timing.waitFor(() => ops.some((o) => o.op === 'delete'));
    for (const op of ['create', 'getChildren', 'exists', 'delete'])
      assert.ok(opsOf(ops).has(op), `${op} published: ${[...opsOf(ops)].join()}`);
    const node = events.find((e) => e.event === 'granted')!.path;
    assert.ok(
      ops.some((o) => o.op === 'delete' && o.path === node),
      'its own node deleted',
    );
    assert.ok(events.some((e) => e.event === 'released' && e.path === node));
  });
});
