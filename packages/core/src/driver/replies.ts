/**
 * Replies and notifications read by core, straight from the frame (./reader.ts says when). The
 * package's records walk a field specification per reply, run a regex per vector or record
 * field and copy every 8-byte long into a buffer of its own, and a failover's critical path parses
 * two messages that way: the notification and the listing's reply (ADR 0012). The layouts are
 * jute's (ZooKeeper's zookeeper.jute: WatcherEvent, Stat, GetDataResponse, GetChildren2Response,
 * ExistsResponse, Create2Response); the objects keep the shapes the package's records have (field
 * names), which is what ./ops.ts and ./requests.ts read, except that a Stat is core's already
 * (./stat.ts).
 */
import type { Stat } from '../types.js';
import { stripRoot } from './chroot.js';
import { readStatAt } from './stat.js';

/** Reads a reply's body from `b` at `offset`; the frame ends at `end`. */
export type ReplyReader = (
  b: Buffer,
  offset: number,
  end: number,
) => Record<string, unknown> | null;

/** A request whose reply core reads itself. */
export interface OwnReply {
  readReply: ReplyReader;
}

export function hasOwnReply(request: object): request is OwnReply {
  return typeof (request as Partial<OwnReply>).readReply === 'function';
}

/** Thrown on a body that does not fit its frame; the reader drops the connection. */
export class MalformedReplyError extends Error {}

function need(end: number, offset: number, n: number): void {
  if (n < 0 || offset + n > end) throw new MalformedReplyError('reply shorter than its fields');
}

/** A jute ustring or buffer: int32 length (-1: none), then the bytes. */
function readBytes(b: Buffer, o: number, end: number): { start: number; length: number } {
  need(end, o, 4);
  const length = b.readInt32BE(o);
  if (length !== -1) need(end, o + 4, length);
  return { start: o + 4, length };
}

const STAT_BYTES = 68;

/**
 * A Stat, read straight into core's shape: no intermediate record (the package copies each long
 * into a buffer of its own; core once kept views and converted them, an object more per reply).
 */
export function readStat(b: Buffer, o: number, end: number): Stat {
  need(end, o, STAT_BYTES);
  return readStatAt(b, o);
}

/** ExistsResponse, SetDataResponse: `stat`. */
export const statReply: ReplyReader = (b, o, end) => ({ stat: readStat(b, o, end) });

/**
 * GetDataResponse, and Create2Response read the same way (`path` in `data`, chroot kept, as
 * the package reads it under the GET_DATA disguise). The data is copied: callers hand it to
 * users, and a view would keep the whole socket chunk alive.
 */
export const dataReply: ReplyReader = (b, o, end) => {
  const { start, length } = readBytes(b, o, end);
  let data: Buffer | undefined;
  let next = start;
  if (length !== -1) {
    data = Buffer.allocUnsafe(length);
    b.copy(data, 0, start, start + length);
    next += length;
  }
  return { data, stat: readStat(b, next, end) };
};

/**
 * GetChildren2Response: `children` (names, no chroot involved), `stat`. A null name (length -1,
 * which servers do not send) reads as '' here; the package gave undefined.
 */
export const childrenReply: ReplyReader = (b, o, end) => {
  need(end, o, 4);
  const n = b.readInt32BE(o);
  let next = o + 4;
  let children: string[] | undefined;
  if (n !== -1) {
    if (n < 0) throw new MalformedReplyError('negative child count');
    children = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const { start, length } = readBytes(b, next, end);
      children[i] = length === -1 ? '' : b.toString('utf8', start, start + length);
      next = start + Math.max(length, 0);
    }
  }
  return { children, stat: readStat(b, next, end) };
};

/** delete, addWatch, removeWatches: nothing. */
export const noReply: ReplyReader = () => null;

/** A notification as the package's WatcherEvent record has it, chroot removed from the path. */
export interface Notification {
  type: number;
  state: number;
  path: string;
}

export function readNotification(
  b: Buffer,
  o: number,
  end: number,
  chroot: string | undefined,
): Notification {
  need(end, o, 8);
  const type = b.readInt32BE(o);
  const state = b.readInt32BE(o + 4);
  const { start, length } = readBytes(b, o + 8, end);
  const path = length === -1 ? '' : b.toString('utf8', start, start + length);
  // The server names the path with the chroot; the package's records strip it (jute/index.js
  // 476-482), and so does core.
  return { type, state, path: stripRoot(path, chroot) };
}
