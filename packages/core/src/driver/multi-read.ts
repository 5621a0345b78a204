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
import type { JuteRecord } from './nzc.js';
import { OpCode as OP } from './opcodes.js';
import type { RawSession } from './raw-session.js';
import { MalformedReplyError, readStat, type OwnReply, type ReplyReader } from './replies.js';

export interface WireRead {
  type: typeof OP.getData | typeof OP.getChildren;
  path: string;
}

/** One read's answer: data and Stat, names, or the error code the server gave it. */
export type WireReadResult =
  { data: Buffer | undefined; stat: Stat } | { children: string[] } | { err: number };

const STAT_BYTES = 68;

class MultiReadRequest implements OwnReply {
  // The package would parse a reply by this opcode; core reads this one itself (./reader.ts).
  readonly header = { xid: 0, type: OP.multi };
  readonly payload = this as unknown as JuteRecord;
  private chrootPath: string | undefined = undefined;

  constructor(private readonly reads: readonly WireRead[]) {}

  setChrootPath(p: string | undefined): void {
    this.chrootPath = p;
  }

  toBuffer(): Buffer {
    const paths = this.reads.map((r) => addRoot(r.path, this.chrootPath));
    let size = 12 + 9; // length, xid, opcode; the closing header
    for (const p of paths) size += 9 + 4 + Buffer.byteLength(p) + 1;
    const b = Buffer.allocUnsafe(size);
    b.writeInt32BE(size - 4, 0);
    b.writeInt32BE(this.header.xid, 4);
    b.writeInt32BE(OP.multiRead, 8);
    let o = 12;
    for (let i = 0; i < paths.length; i++) {
      o = b.writeInt32BE(this.reads[i]!.type, o);
      o = b.writeUInt8(0, o);
      o = b.writeInt32BE(-1, o);
      const n = b.write(paths[i]!, o + 4);
      b.writeInt32BE(n, o);
      o += 4 + n;
      o = b.writeUInt8(0, o); // no watch
    }
    o = b.writeInt32BE(-1, o);
    o = b.writeUInt8(1, o);
    b.writeInt32BE(-1, o);
    return b;
  }

  byteLength(): number {
    return this.toBuffer().length - 12;
  }

  readonly readReply: ReplyReader = (b, o, end) => {
    const results: WireReadResult[] = [];
    const need = (n: number) => {
      if (n < 0 || o + n > end)
        throw new MalformedReplyError('multiRead reply shorter than its fields');
    };
    for (;;) {
      need(9);
      const type = b.readInt32BE(o);
      const done = b.readUInt8(o + 4) !== 0;
      o += 9;
      if (done) break;
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
    }
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
