/**
 * The order of a line of contenders, in one place: which children are in line (names holding
 * one of the lock names), Curator's sort (docs/protocol.md), and ties broken by creation order.
 * The contender and listContenders both order lines with it, so a recipe and the tools that
 * inspect it agree on who is first.
 *
 * Ties: ZooKeeper 3.8 stops at the sequence counter's limit. Once a parent's cversion passes
 * 2^31 - 1, every new sequential child is named `...2147483647` (found by the lock test past
 * the limit; kazoo #606, #730 saw older servers wrap negative instead). Names then tie, the
 * server's listing order is arbitrary, and two contenders could each find themselves first.
 * Tied names are ordered by czxid, which every client reads the same way.
 */
import { sortBySequence, sortKey } from '../paths.js';

/** The children that are in line (their names hold one of `lockNames`), in Curator's order. */
export function lineOf(children: readonly string[], lockNames: readonly string[]): string[] {
  return sortBySequence(
    children.filter((c) => lockNames.some((n) => c.includes(n))),
    lockNames,
  );
}

/** Whether two of `sorted` (a {@link lineOf}, so equal keys are adjacent) tie. No allocation: on the grant path. */
export function hasTies(sorted: readonly string[], lockNames: readonly string[]): boolean {
  let prev: string | undefined;
  for (const n of sorted) {
    const k = sortKey(n, lockNames);
    if (k === prev) return true;
    prev = k;
  }
  return false;
}

/** The names of `sorted` whose sort key ties with a neighbour's. */
export function tiedNames(sorted: readonly string[], lockNames: readonly string[]): string[] {
  const keys = sorted.map((n) => sortKey(n, lockNames));
  return sorted.filter(
    (_, i) =>
      (i > 0 && keys[i] === keys[i - 1]) || (i + 1 < keys.length && keys[i] === keys[i + 1]),
  );
}

/**
 * `sorted` with each run of equal sort keys ordered by czxid. Tied names missing from
 * `czxids` (they vanished while being read) are left out; the others keep their places.
 */
export function breakTies(
  sorted: readonly string[],
  lockNames: readonly string[],
  czxids: ReadonlyMap<string, bigint>,
): string[] {
  const tied = new Set(tiedNames(sorted, lockNames));
  if (tied.size === 0) return [...sorted];
  const present = sorted.filter((n) => !tied.has(n) || czxids.has(n));
  const keys = present.map((n) => sortKey(n, lockNames));
  // A stable pass: equal keys are adjacent, so reorder within each run only.
  const out: string[] = [];
  for (let i = 0; i < present.length;) {
    let j = i + 1;
    while (j < present.length && keys[j] === keys[i]) j++;
    const run = present.slice(i, j);
    if (run.length > 1) run.sort((a, b) => (czxids.get(a)! < czxids.get(b)! ? -1 : 1));
    out.push(...run);
    i = j;
  }
  return out;
}
