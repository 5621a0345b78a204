/** `ls [-R] <path>`: the children of a path (or its subtree) with their stats. */
import { NoNodeError, type ZkClient } from '@zk-recipes/core';
import { childPath } from '@zk-recipes/core/recipe';
import { childLine, statJson } from '../inspect.js';
import { jsonText, type Io } from '../io.js';
import type { Json } from '../layouts/types.js';

interface Entry {
  name: string;
  path: string;
  stat: { [key: string]: Json };
  children?: Entry[];
}

async function list(
  client: ZkClient,
  path: string,
  recursive: boolean,
  lines: string[],
  depth: number,
  now: number,
): Promise<Entry[]> {
  const { children } = await client.getChildren(path);
  const out: Entry[] = [];
  for (const name of children.sort()) {
    const p = childPath(path, name);
    let stat;
    try {
      stat = await client.exists(p);
    } catch (e) {
      if (e instanceof NoNodeError) continue;
      throw e;
    }
    if (!stat) continue; // gone while listed
    lines.push(`${'  '.repeat(depth)}${childLine({ name: recursive ? p : name, stat }, now)}`);
    const entry: Entry = { name, path: p, stat: statJson(stat) };
    if (recursive && stat.numChildren > 0) {
      try {
        entry.children = await list(client, p, true, lines, depth + 1, now);
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
    }
    out.push(entry);
  }
  return out;
}

export async function ls(
  client: ZkClient,
  path: string,
  recursive: boolean,
  json: boolean,
  io: Io,
): Promise<void> {
  const lines: string[] = [];
  const children = await list(client, path, recursive, lines, 0, Date.now());
  if (json) io.stdout.write(`${jsonText({ path, recursive, children })}\n`);
  else io.stdout.write(lines.length === 0 ? `${path}: no children\n` : `${lines.join('\n')}\n`);
}
