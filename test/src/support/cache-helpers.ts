// Helpers of the cache tests: wait for a cache to reach a state, read the server's tree with
// a fresh session, and replay a cache's events into the state they describe.
import assert from 'node:assert/strict';
import type { ZkClient } from '@zk-recipes/core';
import type { CacheEvent, CachedNode } from '@zk-recipes/core/recipe';

/** Polls `check` (every 10 ms) until it holds; fails with `what` after `ms`. */
export async function eventually(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** path -> data (as text) of a tree. */
export type TreeState = Map<string, string>;

/** The server's subtree under `path` (included), to `maxDepth`, read by `client`. */
export async function serverTree(
  client: ZkClient,
  path: string,
  maxDepth = Infinity,
): Promise<TreeState> {
  const out: TreeState = new Map();
  const walk = async (p: string, depth: number): Promise<void> => {
    let r;
    try {
      r = await client.getData(p);
    } catch (e) {
      if ((e as { code?: string }).code === 'NONODE') return;
      throw e;
    }
    out.set(p, r.data.toString());
    if (depth >= maxDepth) return;
    let kids: string[];
    try {
      kids = (await client.getChildren(p)).children;
    } catch (e) {
      if ((e as { code?: string }).code === 'NONODE') return;
      throw e;
    }
    await Promise.all(kids.map((k) => walk(p === '/' ? `/${k}` : `${p}/${k}`, depth + 1)));
  };
  await walk(path, 0);
  return out;
}

/** What a cache holds, as a TreeState. */
export function cacheTree(nodes: Iterable<CachedNode>): TreeState {
  const out: TreeState = new Map();
  for (const n of nodes) out.set(n.path, n.data?.toString() ?? '');
  return out;
}

/** The state the events describe, applied in order from an empty cache. */
export function replay(events: readonly CacheEvent[]): TreeState {
  const out: TreeState = new Map();
  for (const e of events) {
    if (e.type === 'added') {
      assert.ok(!out.has(e.path), `phantom: added ${e.path} twice without a removal`);
      out.set(e.path, e.node.data?.toString() ?? '');
    } else if (e.type === 'updated') {
      assert.ok(out.has(e.path), `phantom: updated ${e.path} which was never added`);
      out.set(e.path, e.node.data?.toString() ?? '');
    } else if (e.type === 'removed') {
      assert.ok(out.has(e.path), `phantom: removed ${e.path} which was never added`);
      out.delete(e.path);
    }
  }
  return out;
}

/** The two states as sorted entry lists, for a readable deepEqual. */
export function sorted(s: TreeState): [string, string][] {
  return [...s.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
