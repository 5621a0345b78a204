/** How a contender's or an item's node is shown: the same fields in every layout. */
import type { Stat } from '@zk-recipes/core';
import { isPrintable } from '../decode/index.js';
import type { Json } from './types.js';

/** `0x` and the session id in hex, as ZooKeeper's tools print it; null for no owner. */
export function sessionHex(owner: bigint): string | null {
  return owner === 0n ? null : `0x${owner.toString(16)}`;
}

/** A duration for people: `850ms`, `12s`, `4m05s`, `3h02m`, `2d04h`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** The data as text when printable (at most 80 characters shown), else its size. */
export function dataText(data: Buffer): string {
  if (data.length === 0) return '(empty)';
  if (!isPrintable(data)) return `(${data.length} bytes)`;
  const s = data.toString('utf8');
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The fields every node in a line has in `--json`. */
export function nodeJson(name: string, path: string, stat: Stat, data: Buffer, now: number) {
  return {
    name,
    path,
    sessionId: sessionHex(stat.ephemeralOwner),
    czxid: stat.czxid.toString(),
    createdAt: new Date(stat.ctime).toISOString(),
    ageMs: Math.max(0, now - stat.ctime),
    data: isPrintable(data) ? data.toString('utf8') : null,
  } satisfies { [key: string]: Json };
}

/** The same for a terminal: `<name>  session 0x...  age 12s`. */
export function nodeLine(name: string, stat: Stat, now: number): string {
  const session = sessionHex(stat.ephemeralOwner) ?? 'persistent';
  return `${name}  session ${session}  age ${formatAge(now - stat.ctime)}`;
}

/** The last path segment. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
