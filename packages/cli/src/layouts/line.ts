/** The nodes of a line (locks, elections), read in Curator's order by the kit's listContenders. */
import { listContenders, type ContenderNode } from '@zk-recipes/core/recipe';
import { fencingTokenOf } from '@zk-recipes/lock';
import { baseName, dataText, formatAge, nodeJson, sessionHex } from './nodes.js';
import type { Json, LayoutContext } from './types.js';

/** The line under the inspected path among names holding one of `names`; [] when none. */
export async function lineAt(
  ctx: LayoutContext,
  names: readonly string[],
  path = ctx.path,
): Promise<ContenderNode[]> {
  if (path === ctx.path && !ctx.childNames.some((c) => names.some((n) => c.includes(n)))) return [];
  return listContenders(ctx.client, path, names);
}

/** A lock node in `--json`: the node's fields and the fencing token our locks give its grant. */
export function lockNodeJson(n: ContenderNode, now: number): { [key: string]: Json } {
  return {
    ...nodeJson(baseName(n.nodePath), n.nodePath, n.stat, n.data, now),
    fencingToken: fencingTokenOf(n.stat.czxid).toString(),
  };
}

/** A lock node for a terminal. */
export function lockNodeLine(label: string, n: ContenderNode, now: number): string {
  const session = sessionHex(n.stat.ephemeralOwner) ?? 'persistent';
  return (
    `${label.padEnd(10)} ${baseName(n.nodePath)}  session ${session}  age ` +
    `${formatAge(now - n.stat.ctime)}  token ${fencingTokenOf(n.stat.czxid)}  data ${dataText(n.data)}`
  );
}

/** An election participant in `--json`: its id (the node's data) and epoch (the node's czxid). */
export function participantJson(n: ContenderNode, now: number, leader: boolean) {
  return {
    ...nodeJson(baseName(n.nodePath), n.nodePath, n.stat, n.data, now),
    id: n.data.toString('utf8'),
    isLeader: leader,
    epoch: n.stat.czxid.toString(),
  } satisfies { [key: string]: Json };
}

/** An election participant for a terminal. */
export function participantLine(label: string, n: ContenderNode, now: number): string {
  const session = sessionHex(n.stat.ephemeralOwner) ?? 'persistent';
  return (
    `${label.padEnd(12)} id ${JSON.stringify(n.data.toString('utf8'))}  ${baseName(n.nodePath)}  ` +
    `session ${session}  age ${formatAge(now - n.stat.ctime)}  epoch ${n.stat.czxid}`
  );
}
