/**
 * Contenders whose names carry the same sequence number. ZooKeeper 3.8 stops at the counter's
 * limit: once a parent's cversion passes 2^31 - 1, every new sequential child is named
 * `...2147483647` (found by the lock test past the limit; kazoo #606, #730 saw older servers
 * wrap negative instead). Names then tie, the server's listing order is arbitrary, and two
 * contenders could each find themselves first. Ties are broken by creation order (czxid),
 * which every client reads the same way.
 */
import * as ops from '../driver/ops.js';
import type { RawSession } from '../driver/raw-session.js';
import { sortKey } from '../paths.js';

/** Whether two of `sorted` (in Curator's order, so equal keys are adjacent) tie. */
export function hasTies(sorted: readonly string[], lockNames: readonly string[]): boolean {
  let prev: string | undefined;
  for (const n of sorted) {
    const k = sortKey(n, lockNames);
    if (k === prev) return true;
    prev = k;
  }
  return false;
}

/**
 * `sorted` (already in Curator's order) with each run of equal sort keys ordered by czxid.
 * Returned unchanged (no request) when no two keys are equal. Tied nodes that vanish while
 * being read are left out. `known` gives czxids already at hand (our own node's).
 */
export async function orderTies(
  raw: RawSession,
  parent: string,
  sorted: readonly string[],
  lockNames: readonly string[],
  known: ReadonlyMap<string, bigint>,
): Promise<string[]> {
  const keys = sorted.map((n) => sortKey(n, lockNames));
  if (!keys.some((k, i) => i > 0 && k === keys[i - 1])) return [...sorted];
  const tied = sorted.filter(
    (_, i) =>
      (i > 0 && keys[i] === keys[i - 1]) || (i + 1 < keys.length && keys[i] === keys[i + 1]),
  );
  const base = parent === '/' ? '' : parent;
  const czxids = new Map(known);
  await Promise.all(
    tied
      .filter((n) => !czxids.has(n))
      .map(async (n) => {
        const stat = await ops.exists(raw, `${base}/${n}`, undefined); // null when gone
        if (stat) czxids.set(n, stat.czxid);
      }),
  );
  const present = sorted.filter((n) => !tied.includes(n) || czxids.has(n));
  const pkeys = present.map((n) => sortKey(n, lockNames));
  // A stable pass: equal keys are adjacent, so reorder within each run only.
  const out: string[] = [];
  for (let i = 0; i < present.length;) {
    let j = i + 1;
    while (j < present.length && pkeys[j] === pkeys[i]) j++;
    const run = present.slice(i, j);
    if (run.length > 1) run.sort((a, b) => (czxids.get(a)! < czxids.get(b)! ? -1 : 1));
    out.push(...run);
    i = j;
  }
  return out;
}
