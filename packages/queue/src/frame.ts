/**
 * Curator's item-batch frame (its ItemSerializer), the data of every `queue-` node: big-endian
 * int32 version 0x00010001, then per item the byte 0x01, an int32 length and the item's bytes,
 * then the byte 0x02. A Java reader stops at 0x02 and ignores what follows; a requeued item
 * carries its delivery count there (docs/protocol.md, "Queues"; ADR 0020).
 */
import { CorruptItemError } from './errors.js';

const VERSION = 0x00010001;
const ITEM = 0x01;
const EOF = 0x02;
/** After the frame's end: `ZKRQ`, then a uint32 count of failed deliveries. */
const ATTEMPTS_MAGIC = 0x5a4b5251;

/** What a queue node holds: its items, and how many deliveries of them failed before. */
export interface Frame {
  items: Buffer[];
  failures: number;
}

/** The frame of `items`; `failures` > 0 adds the trailer Java readers skip. */
export function encodeFrame(items: readonly Buffer[], failures = 0): Buffer {
  let size = 4 + 1 + (failures > 0 ? 8 : 0);
  for (const item of items) size += 5 + item.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt32BE(VERSION, 0);
  for (const item of items) {
    at = out.writeUInt8(ITEM, at);
    at = out.writeInt32BE(item.length, at);
    at += item.copy(out, at);
  }
  at = out.writeUInt8(EOF, at);
  if (failures > 0) {
    at = out.writeUInt32BE(ATTEMPTS_MAGIC, at);
    out.writeUInt32BE(Math.min(failures, 0xffffffff), at);
  }
  return out;
}

/** Reads a frame; throws {@link CorruptItemError} (with the bytes) for anything else. */
export function decodeFrame(data: Buffer, path: string): Frame {
  const bad = (why: string) => new CorruptItemError(path, why, data);
  if (data.length < 5) throw bad('shorter than a frame');
  if (data.readInt32BE(0) !== VERSION) throw bad(`version 0x${data.readInt32BE(0).toString(16)}`);
  const items: Buffer[] = [];
  let at = 4;
  for (;;) {
    if (at >= data.length) throw bad('no end marker');
    const op = data[at++];
    if (op === EOF) break;
    if (op !== ITEM) throw bad(`opcode ${op} at byte ${at - 1}`);
    if (at + 4 > data.length) throw bad('truncated item length');
    const length = data.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > data.length) throw bad(`item length ${length} past the end`);
    items.push(data.subarray(at, at + length));
    at += length;
  }
  const failures =
    data.length >= at + 8 && data.readUInt32BE(at) === ATTEMPTS_MAGIC
      ? data.readUInt32BE(at + 4)
      : 0;
  return { items, failures };
}
