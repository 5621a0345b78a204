/**
 * `inspect`: reads the tree at a path once and asks every layout (./layouts/registry.ts) what
 * it sees. Also the library entry point for dashboards: {@link inspect} returns what
 * `zk-recipes inspect --json` prints.
 */
import { NoNodeError, type Stat, type ZkClient } from '@zk-recipes/core';
import { childPath } from '@zk-recipes/core/recipe';
import { layouts } from './layouts/registry.js';
import { dataText, formatAge, sessionHex } from './layouts/nodes.js';
import type { ChildNode, InspectHints, Json, LayoutContext, Recognized } from './layouts/types.js';

/** A Stat in `--json`: zxids as decimal strings, the owner as a hex session id. */
export function statJson(stat: Stat): { [key: string]: Json } {
  return {
    czxid: stat.czxid.toString(),
    mzxid: stat.mzxid.toString(),
    pzxid: stat.pzxid.toString(),
    createdAt: new Date(stat.ctime).toISOString(),
    modifiedAt: new Date(stat.mtime).toISOString(),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: sessionHex(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

/** What `inspect --json` prints (docs/cli.md, "inspect"). */
export interface InspectResult {
  path: string;
  stat: { [key: string]: Json };
  /** Every layout seen at the path; more than one is said with `ambiguous`. */
  layouts: { kind: string; title: string; notes: string[]; [key: string]: Json }[];
  ambiguous: boolean;
  /** The children with their stats when no layout was recognised; else null. */
  children: { name: string; stat: { [key: string]: Json } }[] | null;
}

async function readChildren(client: ZkClient, path: string): Promise<ChildNode[]> {
  let names: string[];
  try {
    names = (await client.getChildren(path)).children;
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
  const read = await Promise.all(
    names.sort().map(async (name) => {
      const p = childPath(path, name);
      try {
        const { data, stat } = await client.getData(p);
        return { name, path: p, data, stat };
      } catch (e) {
        if (e instanceof NoNodeError) return undefined; // gone while read: not there
        throw e;
      }
    }),
  );
  return read.filter((c) => c !== undefined);
}

/** The tree at `path` read once, and every layout that fits it. */
async function recognize(client: ZkClient, path: string, hints: InspectHints) {
  const [{ data, stat }, { children: childNames }] = await Promise.all([
    client.getData(path),
    client.getChildren(path),
  ]);
  let children: Promise<ChildNode[]> | undefined;
  const ctx: LayoutContext = {
    client,
    path,
    data,
    stat,
    childNames,
    hints,
    now: Date.now(),
    children: () => (children ??= readChildren(client, path)),
    readChildren: (p) => readChildren(client, p),
  };
  const seen: Recognized[] = [];
  for (const layout of layouts) {
    const r = await layout.recognize(ctx);
    if (r) seen.push(r);
  }
  // Nothing known: the children with their stats are the answer.
  const kids = seen.length === 0 ? await ctx.children() : null;
  return { ctx, seen, kids };
}

/**
 * Reads the tree at `path` and reports every layout it recognises, as `zk-recipes inspect
 * --json` prints it. Rejects with NoNodeError when the path does not exist.
 *
 * @example
 * const result = await inspect(client, '/locks/billing');
 * for (const layout of result.layouts) console.log(layout.kind, layout.title);
 */
export async function inspect(
  client: ZkClient,
  path: string,
  hints: InspectHints = {},
): Promise<InspectResult> {
  return (await inspectLines(client, path, hints)).result;
}

/** What `inspect` prints for a terminal (docs/cli.md has examples), with the same result. */
export async function inspectLines(
  client: ZkClient,
  path: string,
  hints: InspectHints = {},
): Promise<{ result: InspectResult; lines: string[] }> {
  const { ctx, seen, kids } = await recognize(client, path, hints);
  const lines = [path];
  if (seen.length > 1) {
    lines.push(
      `  ambiguous: ${seen.length} layouts fit (${seen.map((r) => r.kind).join(', ')}); the tree cannot tell which, so each is shown`,
    );
  }
  for (const r of seen) {
    lines.push(`  ${r.title}`);
    for (const l of r.lines) lines.push(`    ${l}`);
    for (const n of r.notes ?? []) lines.push(`    note: ${n}`);
  }
  if (kids) {
    const owner = sessionHex(ctx.stat.ephemeralOwner);
    lines.push(
      `  no known layout; ${owner ? `ephemeral of ${owner}` : 'persistent'}, version ${ctx.stat.version}, data ${dataText(ctx.data)}`,
    );
    lines.push(kids.length === 0 ? '  no children' : `  ${kids.length} children:`);
    for (const c of kids) lines.push(`    ${childLine(c, ctx.now)}`);
  }
  const result: InspectResult = {
    path,
    stat: statJson(ctx.stat),
    layouts: seen.map((r) => ({
      kind: r.kind,
      title: r.title,
      notes: [...(r.notes ?? [])],
      ...r.details,
    })),
    ambiguous: seen.length > 1,
    children: kids && kids.map((c) => ({ name: c.name, stat: statJson(c.stat) })),
  };
  return { result, lines };
}

/** One child for a terminal: name, owner, size, children, age. */
export function childLine(c: { name: string; stat: Stat }, now: number): string {
  const owner = sessionHex(c.stat.ephemeralOwner);
  return [
    c.name,
    owner ? `ephemeral ${owner}` : 'persistent',
    `${c.stat.dataLength} bytes`,
    `${c.stat.numChildren} children`,
    `version ${c.stat.version}`,
    `age ${formatAge(now - c.stat.ctime)}`,
  ].join('  ');
}
