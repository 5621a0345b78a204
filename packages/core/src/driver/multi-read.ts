/**
 * multiRead (opcode 22, ZooKeeper 3.6+): several getData and getChildren in one request,
 * serialized and read by core (the package knows neither the opcode nor its reply). Not a
 * transaction: the server runs each read in turn and answers each alone, a failed one with its
 * error code; no watch is set. Layout (zookeeper.jute): per read a MultiHeader (type, done
 * false, err -1) and a GetDataRequest or GetChildrenRequest (path, watch false), then a closing
 * MultiHeader (-1, done, -1); the reply, per read a MultiHeader and a GetDataResponse (data,
 * Stat), a GetChildrenResponse (names) or an ErrorResponse (code), then a closing header.
 * One request in place of hundreds: the per-request cost on both sides is paid once (the cache
 * engine's loads, bench/RESULTS.md).
 */
import type { Stat } from '../types.js';
import { addRoot } from './chroot.js';
import {
  MULTI_HEADER_BYTES,
  MultiFrameRequest,
  readMultiResults,
  writeMultiHeader,
} from './multi-frame.js';
import { OpCode as OP } from './opcodes.js';
import type { RawSession } from './raw-session.js';
import { MalformedReplyError, readStat, type ReplyReader } from './replies.js';

export interface WireRead {
  type: typeof OP.getData | typeof OP.getChildren;
  path: string;
}

/** One read's answer: data and Stat, names, or the error code the server gave it. */
export type WireReadResult =
  { data: Buffer | undefined; stat: Stat } | { children: string[] } | { err: number };

const STAT_BYTES = 68;

class MultiReadRequest extends MultiFrameRequest {
  constructor(private readonly reads: readonly WireRead[]) {
    super();
  }

  toBuffer(): Buffer {
    const paths = this.reads.map((r) => addRoot(r.path, this.chrootPath));
    let size = 12 + MULTI_HEADER_BYTES; // length, xid, opcode; the closing header
    for (const p of paths) size += MULTI_HEADER_BYTES + 4 + Buffer.byteLength(p) + 1;
    const b = Buffer.allocUnsafe(size);
    b.writeInt32BE(size - 4, 0);
    b.writeInt32BE(this.header.xid, 4);
    b.writeInt32BE(OP.multiRead, 8);
    let o = 12;
    for (let i = 0; i < paths.length; i++) {
      o = writeMultiHeader(b, o, this.reads[i]!.type, false);
      const n = b.write(paths[i]!, o + 4);
      b.writeInt32BE(n, o);
      o += 4 + n;
      o = b.writeUInt8(0, o); // no watch
    }
    writeMultiHeader(b, o, -1, true);
    return b;
  }

  readonly readReply: ReplyReader = (b, start, end) => {
    const results: WireReadResult[] = [];
    let o = start;
    const need = (n: number) => {
      if (n < 0 || o + n > end)
        throw new MalformedReplyError('multiRead reply shorter than its fields');
    };
    readMultiResults(b, start, end, 'multiRead', (type, at) => {
      o = at;
      if (type === OP.getData) {
        need(4);
        const length = b.readInt32BE(o);
        o += 4;
        let data: Buffer | undefined;
        if (length !== -1) {
          need(length);
          // Copied: a view would keep the whole socket chunk alive.
          data = Buffer.allocUnsafe(length);
          b.copy(data, 0, o, o + length);
          o += length;
        }
        need(STAT_BYTES);
        results.push({ data, stat: readStat(b, o, end) });
        o += STAT_BYTES;
      } else if (type === OP.getChildren) {
        need(4);
        const n = b.readInt32BE(o);
        o += 4;
        const children: string[] = [];
        for (let i = 0; i < n; i++) {
          need(4);
          const length = b.readInt32BE(o);
          o += 4;
          need(length);
          children.push(b.toString('utf8', o, o + length));
          o += length;
        }
        results.push({ children });
      } else if (type === OP.error) {
        need(4);
        results.push({ err: b.readInt32BE(o) });
        o += 4;
      } else {
        throw new MalformedReplyError(`multiRead reply with a result of type ${type}`);
      }
      return o;
    });
    if (results.length !== this.reads.length)
      throw new MalformedReplyError('multiRead reply with another number of results');
    return { results };
  };
}

/** Sends the reads in one request; one result per read, in order. */
export async function multiRead(
  raw: RawSession,
  reads: readonly WireRead[],
  timeoutMs?: number,
): Promise<WireReadResult[]> {
  const resp = await raw.queue(reads[0]?.path, new MultiReadRequest(reads), timeoutMs);
  return (resp.payload as { results: WireReadResult[] }).results;
}
