/**
 * A queue's lock path (Curator's lock-safe mode, and ours): ephemeral `queue-...` nodes, one
 * per item a consumer is processing, named as the item. The queue's own path is not stored.
 */
import { formatAge, nodeJson, sessionHex } from './nodes.js';
import { ITEM_PREFIX, parseItemName } from './queue-names.js';
import type { Layout } from './types.js';

export const queueLockPathLayout: Layout = {
  kind: 'queue-lock-path',
  async recognize(ctx) {
    if (!ctx.childNames.some((c) => c.startsWith(ITEM_PREFIX))) return undefined;
    const locks = (await ctx.children()).filter(
      (c) => parseItemName(c.name) !== undefined && c.stat.ephemeralOwner !== 0n,
    );
    if (locks.length === 0) return undefined;
    locks.sort((a, b) => a.stat.ctime - b.stat.ctime);
    return {
      kind: 'queue-lock-path',
      title: 'queue lock path (items being processed; Curator lock-safe DistributedQueue)',
      details: { inFlight: locks.map((l) => nodeJson(l.name, l.path, l.stat, l.data, ctx.now)) },
      lines: locks.map(
        (l) =>
          `in flight  ${l.name}  session ${sessionHex(l.stat.ephemeralOwner)}  age ${formatAge(ctx.now - l.stat.ctime)}`,
      ),
      notes: [
        'the queue path is not stored here: inspect the queue with --lock-path pointing at this path',
      ],
    };
  },
};
