/**
 * What core's two multi-shaped requests share, multi (./multi.ts) and multiRead
 * (./multi-read.ts): the object shape the package's connection manager drives (`header`, whose
 * xid it stamps just before `toBuffer()`, the request as its own `payload`, the chroot set
 * before it is written: a request queued during a disconnect is written after the reconnect),
 * and jute's MultiHeader framing (zookeeper.jute: type, done, err; a closing header with type
 * -1 and done set ends the list, in requests and replies alike).
 */
import type { JuteRecord } from './nzc.js';
import { OpCode as OP } from './opcodes.js';
import { MalformedReplyError, type OwnReply, type ReplyReader } from './replies.js';

/** Bytes of one MultiHeader: int32 type, bool done, int32 err. */
export const MULTI_HEADER_BYTES = 9;

/** Writes a MultiHeader at `o` (err -1: requests carry none); returns the offset after it. */
export function writeMultiHeader(b: Buffer, o: number, type: number, done: boolean): number {
  o = b.writeInt32BE(type, o);
  o = b.writeUInt8(done ? 1 : 0, o);
  return b.writeInt32BE(-1, o);
}

/**
 * Walks a multi reply's headers from `o`: for each result before the closing header calls
 * `each(type, offset)`, which reads that result's body and returns the offset after it.
 */
export function readMultiResults(
  b: Buffer,
  o: number,
  end: number,
  what: string,
  each: (type: number, offset: number) => number,
): void {
  for (;;) {
    if (o + MULTI_HEADER_BYTES > end)
      throw new MalformedReplyError(`${what} reply shorter than its fields`);
    const type = b.readInt32BE(o);
    const done = b.readUInt8(o + 4) !== 0;
    o += MULTI_HEADER_BYTES;
    if (done) return;
    o = each(type, o);
  }
}

/** A request whose frame core writes and whose reply core reads, sent as a multi. */
export abstract class MultiFrameRequest implements OwnReply {
  // The package would parse a reply by this opcode; core reads the reply itself (./reader.ts).
  readonly header = { xid: 0, type: OP.multi };
  readonly payload = this as unknown as JuteRecord;
  protected chrootPath: string | undefined = undefined;

  setChrootPath(p: string | undefined): void {
    this.chrootPath = p;
  }

  abstract toBuffer(): Buffer;
  abstract readonly readReply: ReplyReader;

  byteLength(): number {
    return this.toBuffer().length - 12; // the record alone (never used on a hot path)
  }
}
