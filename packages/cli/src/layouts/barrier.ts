/**
 * Barriers (Curator's layouts, ours alike). A barrier is one node, set while it exists: no
 * children, the setter's address as data. A double barrier is a node whose children are its
 * members, ephemeral nodes named by a UUID, and `ready` once enough have entered. The quorum a
 * double barrier waits for is not stored: the tree cannot say how many are still awaited.
 */
import { dataText, nodeJson, nodeLine } from './nodes.js';
import type { Layout } from './types.js';

/** The node a double barrier creates once its quorum has entered (Curator's name). */
const READY = 'ready';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What Curator and our recipes write as a node's default data: the local IP address. */
const ADDRESS = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$/i;

export const barrierLayout: Layout = {
  kind: 'barrier',
  async recognize(ctx) {
    if (ctx.childNames.length > 0 || ctx.stat.ephemeralOwner !== 0n) return undefined;
    if (!ADDRESS.test(ctx.data.toString('utf8'))) return undefined;
    const setAt = new Date(ctx.stat.ctime).toISOString();
    return {
      kind: 'barrier',
      title: 'barrier, set (Barrier; Curator DistributedBarrier)',
      details: { set: true, setAt, data: dataText(ctx.data) },
      lines: ['state      set (waiters are held until the node is removed)', `set at     ${setAt}`],
      notes: ['any node with an address as its only data looks the same'],
    };
  },
};

export const doubleBarrierLayout: Layout = {
  kind: 'double-barrier',
  async recognize(ctx) {
    const names = ctx.childNames;
    if (names.length === 0 || !names.every((n) => n === READY || UUID.test(n))) return undefined;
    const children = await ctx.children();
    const members = children
      .filter((c) => c.name !== READY && c.stat.ephemeralOwner !== 0n)
      .sort((a, b) => a.stat.ctime - b.stat.ctime || a.name.localeCompare(b.name));
    if (members.length + (names.includes(READY) ? 1 : 0) !== children.length) return undefined;
    const ready = children.some((c) => c.name === READY);
    return {
      kind: 'double-barrier',
      title: 'double barrier (DoubleBarrier; Curator DistributedDoubleBarrier)',
      details: {
        ready,
        members: members.map((m) => nodeJson(m.name, m.path, m.stat, m.data, ctx.now)),
      },
      lines: [
        `ready      ${ready ? 'yes (the quorum entered; members leave in turn)' : 'no'}`,
        ...members.map((m) => `member     ${nodeLine(m.name, m.stat, ctx.now)}`),
      ],
      notes: ['the quorum (memberQuorum) is not stored: how many are still awaited is unknown'],
    };
  },
};
