/**
 * A simple queue: Curator's SimpleDistributedQueue (the ZooKeeper tutorial's queue).
 * Persistent-sequential `qn-<seq>` children holding the raw item bytes, taken lowest first.
 */
import { isPrintable } from '../decode/index.js';
import { formatAge, nodeJson } from './nodes.js';
import type { Layout } from './types.js';

const ITEM = /^qn-(-?\d{10})$/;

export const simpleQueueLayout: Layout = {
  kind: 'simple-queue',
  async recognize(ctx) {
    if (!ctx.childNames.some((c) => ITEM.test(c))) return undefined;
    const items = (await ctx.children()).filter((c) => ITEM.test(c.name));
    if (items.length === 0) return undefined;
    items.sort((a, b) => Number(ITEM.exec(a.name)![1]) - Number(ITEM.exec(b.name)![1]));
    const oldest = items.reduce((a, b) => (b.stat.ctime < a.stat.ctime ? b : a));
    const age = Math.max(0, ctx.now - oldest.stat.ctime);
    return {
      kind: 'simple-queue',
      title: 'simple queue (Curator SimpleDistributedQueue)',
      details: {
        depth: items.length,
        oldestAgeMs: age,
        items: items.map((i) => nodeJson(i.name, i.path, i.stat, i.data, ctx.now)),
      },
      lines: [
        `depth      ${items.length}; oldest ${formatAge(age)} (${oldest.name})`,
        ...items
          .slice(0, 10)
          .map(
            (i) =>
              `item       ${i.name}  age ${formatAge(ctx.now - i.stat.ctime)}  ${isPrintable(i.data) ? JSON.stringify(i.data.toString('utf8').slice(0, 40)) : `${i.data.length} bytes`}`,
          ),
      ],
    };
  },
};
