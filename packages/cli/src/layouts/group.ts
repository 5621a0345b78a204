/**
 * Group membership and TTL-kept nodes (Curator's layouts, ours alike). A group is a node whose
 * children are its members: ephemeral, named by the member's id (no sequence suffix), the
 * payload as data. A PersistentTtlNode is a container holding its data, with a child `touch`
 * created with a TTL and touched (its address written) while its owner lives; ZooKeeper shows
 * neither the container mark nor the TTL to clients, so the layout is known by names and data.
 */
import { decodeInstance } from '../decode/instance.js';
import { dataText, formatAge, nodeJson, nodeLine } from './nodes.js';
import type { Layout } from './types.js';

/** The TTL child a PersistentTtlNode touches (Curator's name). */
const TOUCH = 'touch';
/** A sequential node's 10-digit suffix: a line's contenders (locks, latches), not members. */
const SEQUENTIAL = /\d{10}$/;
/** What Curator and our recipes write as a touch's data: the local IP address. */
const ADDRESS = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$/i;

export const groupLayout: Layout = {
  kind: 'group',
  async recognize(ctx) {
    if (ctx.childNames.length === 0 || ctx.childNames.some((n) => SEQUENTIAL.test(n))) {
      return undefined;
    }
    const children = await ctx.children();
    const members = children.filter(
      (c) => c.stat.ephemeralOwner !== 0n && c.stat.numChildren === 0,
    );
    if (members.length === 0 || members.length !== children.length) return undefined;
    // Service instances are ephemeral children named by id too: the services layout's.
    if (members.every((m) => decodeInstance(m.data) !== undefined)) return undefined;
    members.sort((a, b) => a.name.localeCompare(b.name));
    return {
      kind: 'group',
      title: 'group membership (GroupMember; Curator GroupMember)',
      details: {
        members: members.map((m) => ({
          ...nodeJson(m.name, m.path, m.stat, m.data, ctx.now),
          id: m.name,
        })),
      },
      lines: members.map(
        (m) => `member     ${nodeLine(m.name, m.stat, ctx.now)}  payload ${dataText(m.data)}`,
      ),
    };
  },
};

export const ttlNodeLayout: Layout = {
  kind: 'ttl-node',
  async recognize(ctx) {
    if (!ctx.childNames.includes(TOUCH)) return undefined;
    const touch = (await ctx.children()).find((c) => c.name === TOUCH);
    if (!touch || touch.stat.ephemeralOwner !== 0n || touch.stat.numChildren > 0) return undefined;
    if (!ADDRESS.test(touch.data.toString('utf8'))) return undefined;
    const touchedAt = new Date(touch.stat.mtime).toISOString();
    const touchedAgoMs = Math.max(0, ctx.now - touch.stat.mtime);
    return {
      kind: 'ttl-node',
      title: 'node kept by touching a TTL child (PersistentTtlNode; Curator PersistentTtlNode)',
      details: {
        touchedAt,
        touchedAgoMs,
        touchedBy: dataText(touch.data),
        data: dataText(ctx.data),
      },
      lines: [
        `touched    ${touchedAt} (${formatAge(touchedAgoMs)} ago, by ${dataText(touch.data)})`,
        `data       ${dataText(ctx.data)}`,
      ],
      notes: [
        'the TTL is not shown to clients (ZooKeeper reports TTL and container nodes with no owner): the node goes once `touch` is not touched within it',
      ],
    };
  },
};
