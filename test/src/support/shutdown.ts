// Helpers for the shutdown tests: a recipe's release or close must return within the
// documented bound (RELEASE_BOUND_MS) while ZooKeeper is gone, and its nodes must go once the
// server is back or the session ended.
import assert from 'node:assert/strict';
import { RELEASE_BOUND_MS } from '@zk-recipes/core/recipe';
import type { ZkClient } from '@zk-recipes/core';
import { timing, WireClient } from '@zk-recipes/testing';

/** `fn` on a fresh session of its own, straight to the server, closed however `fn` ends. */
export async function onFreshSession<T>(
  server: { connectString: string },
  fn: (c: WireClient) => Promise<T>,
): Promise<T> {
  const c = await WireClient.connect({ connectString: server.connectString });
  try {
    return await fn(c);
  } finally {
    await c.closeSession();
  }
}

/** The ephemeral nodes under `path`, read with a fresh session. */
export function ephemeralsUnder(
  server: { connectString: string },
  path: string,
): Promise<string[]> {
  return onFreshSession(server, async (c) => {
    const out: string[] = [];
    for (const p of await c.listTree(path)) {
      const stat = await c.exists(p);
      if (stat && stat.ephemeralOwner !== 0n) out.push(p);
    }
    return out;
  });
}

/**
 * Asserts that `fn` settles within the release bound (scaled by ZK_TEST_TIMING). Fails after
 * ten times the bound rather than waiting for it: without the bound a release waited minutes.
 */
export async function returnsWithinBound(what: string, fn: () => Promise<unknown>): Promise<void> {
  const bound = timing.ms(RELEASE_BOUND_MS);
  const began = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<'cap'>((r) => (timer = setTimeout(() => r('cap'), 10 * bound)));
  try {
    const r = await Promise.race([fn().then(() => 'done' as const), cap]);
    const took = Math.round(performance.now() - began);
    assert.equal(r, 'done', `${what} had not returned after ${took} ms (bound ${bound} ms)`);
    assert.ok(took <= bound, `${what} took ${took} ms (bound ${bound} ms)`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Aborts `ac` 200 ms from now (the call is waiting by then) with a reason of its own, and
 * asserts that `call` rejects with exactly that reason within the release bound.
 */
export async function abortedWithinBound(
  what: string,
  ac: AbortController,
  call: Promise<unknown>,
): Promise<void> {
  const why = new Error('the caller gave up');
  setTimeout(() => ac.abort(why), 200);
  await returnsWithinBound(what, () => assert.rejects(call, (e) => e === why));
}

/** Waits until `client` reports `state`. */
export async function untilState(client: ZkClient, state: string): Promise<void> {
  await timing.waitFor(() => client.state === state, { message: state, timeoutMs: 20_000 });
}
