/**
 * A distributed queue: Curator's DistributedQueue and its priority, delay and id variants
 * (and ours, which writes the same). Items are persistent-sequential `queue-...` children
 * whose data is Curator's item frame (one node may hold several items). In lock-safe mode a
 * consumer holds `<lockPath>/<item name>` (ephemeral) while it processes the item. The lock
 * path is chosen by the queue's users and not stored: `--lock-path` names it, else the sibling
 * `<path>-locks` (@zk-recipes/queue's default) is read when it exists, and the output says so.
 */
import { NoNodeError } from '@zk-recipes/core';
import { isPrintable } from '../decode/index.js';
import { readItemFrame } from '../decode/item-frame.js';
import { formatAge, nodeJson } from './nodes.js';
import { defaultLockPath, ITEM_PREFIX, parseItemName, type ItemName } from './queue-names.js';
import type { ChildNode, Json, Layout, LayoutContext } from './types.js';

/** Items shown in the terminal (every one is in `--json`). */
const SHOWN = 10;

interface Item {
  node: ChildNode;
  name: ItemName;
  items: Buffer[];
  /** Deliveries of the node that failed before (our queue's requeue count; 0 for Curator's). */
  failures: number;
}

function variantOf(items: readonly Item[]): string {
  const kinds = new Set(items.map((i) => i.name.variant));
  if (kinds.size === 1) return [...kinds][0]!;
  if (kinds.size === 2 && kinds.has('id') && kinds.has('delay-or-id')) return 'id';
  return 'mixed';
}

/** Consumers' order: priority by name (lowest first), delay by due time, the rest by sequence. */
function consumptionOrder(a: Item, b: Item): number {
  if (a.name.variant === 'priority' && b.name.variant === 'priority') {
    return a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0;
  }
  if (a.name.variant === 'delay' && b.name.variant === 'delay') return a.name.dueAt - b.name.dueAt;
  return a.name.seq - b.name.seq;
}

async function inFlight(ctx: LayoutContext, lockPath: string, names: Set<string>) {
  try {
    const locks = await ctx.readChildren(lockPath);
    return locks.map((l) => ({
      ...nodeJson(l.name, l.path, l.stat, l.data, ctx.now),
      itemPresent: names.has(l.name),
    }));
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
}

/**
 * The lock path: `--lock-path`, else the sibling `<path>-locks` when it exists (our queue's
 * default; Curator has none, so a Curator queue's lock path is found only when named so).
 */
async function lockPathOf(ctx: LayoutContext): Promise<{ lockPath?: string; found: boolean }> {
  if (ctx.hints.lockPath !== undefined) return { lockPath: ctx.hints.lockPath, found: false };
  if (ctx.path === '/') return { found: false };
  const sibling = defaultLockPath(ctx.path);
  return (await ctx.client.exists(sibling)) ? { lockPath: sibling, found: true } : { found: false };
}

function itemJson(i: Item, now: number): { [key: string]: Json } {
  const text = i.items.every(isPrintable);
  return {
    ...nodeJson(i.node.name, i.node.path, i.node.stat, Buffer.alloc(0), now),
    data: null,
    ...i.name,
    ...('dueAt' in i.name ? { dueAt: new Date(i.name.dueAt).toISOString() } : {}),
    items: i.items.map((b) => b.toString(text ? 'utf8' : 'base64')),
    encoding: text ? 'utf8' : 'base64',
    failures: i.failures,
  };
}

export const queueLayout: Layout = {
  kind: 'queue',
  async recognize(ctx) {
    if (!ctx.childNames.some((c) => c.startsWith(ITEM_PREFIX))) return undefined;
    const children = await ctx.children();
    const items: Item[] = [];
    let corrupt = 0;
    let foreign = 0;
    for (const node of children) {
      const name = parseItemName(node.name);
      if (!name || node.stat.ephemeralOwner !== 0n) {
        foreign++;
        continue;
      }
      const frame = readItemFrame(node.data);
      if (frame) items.push({ node, name, items: frame.items, failures: frame.failures });
      else corrupt++;
    }
    if (items.length === 0) return undefined; // not items: a lock path, or something else
    items.sort(consumptionOrder);
    const oldest = items.reduce((a, b) => (b.node.stat.ctime < a.node.stat.ctime ? b : a));
    const count = items.reduce((n, i) => n + i.items.length, 0);
    const { lockPath, found } = await lockPathOf(ctx);
    const flight = lockPath
      ? await inFlight(ctx, lockPath, new Set(items.map((i) => i.node.name)))
      : null;
    const variant = variantOf(items);
    const notes: string[] = [];
    if (lockPath === undefined)
      notes.push(
        "items in flight are under the queue's lock path, which is not stored: pass --lock-path",
      );
    if (found)
      notes.push(
        `lock path ${lockPath} found next to the queue (the default of @zk-recipes/queue); --lock-path names another`,
      );
    if (corrupt > 0) notes.push(`${corrupt} queue- node(s) whose data is not an item frame`);
    if (foreign > 0) notes.push(`${foreign} foreign child(ren): consumers skip them`);
    if (items.some((i) => i.name.variant === 'delay-or-id'))
      notes.push(
        "names queue-|<hex>|<seq> are a delay queue's due times or an id queue's hexadecimal ids",
      );
    const age = ctx.now - oldest.node.stat.ctime;
    return {
      kind: 'queue',
      title: 'queue (Curator DistributedQueue family)',
      details: {
        variant,
        depth: items.length,
        itemCount: count,
        oldestAgeMs: Math.max(0, age),
        items: items.map((i) => itemJson(i, ctx.now)),
        lockPath: lockPath ?? null,
        lockPathFound: found,
        inFlight: flight,
      },
      lines: [
        `variant    ${variant}`,
        `depth      ${items.length} node(s), ${count} item(s); oldest ${formatAge(age)} (${oldest.node.name})`,
        ...items.slice(0, SHOWN).map((i) => {
          const first = i.items[0];
          const shown =
            first && isPrintable(first)
              ? JSON.stringify(first.toString('utf8').slice(0, 40))
              : `${first?.length ?? 0} bytes`;
          const extra =
            (i.items.length > 1 ? ` (+${i.items.length - 1} more in the node)` : '') +
            (i.failures > 0 ? `  failed ${i.failures} time(s)` : '');
          return `item       ${i.node.name}  age ${formatAge(ctx.now - i.node.stat.ctime)}  ${shown}${extra}`;
        }),
        ...(items.length > SHOWN ? [`...        ${items.length - SHOWN} more`] : []),
        ...(flight === null
          ? []
          : flight.length === 0
            ? ['in flight  none']
            : flight.map(
                (f) =>
                  `in flight  ${f.name}  session ${f.sessionId ?? 'persistent'}  age ${formatAge(f.ageMs)}${f.itemPresent ? '' : '  (item gone)'}`,
              )),
      ],
      notes,
    };
  },
};
