/**
 * Curator's queue item frame (DistributedQueue's ItemSerializer; docs/cli.md, "Formats"):
 * big-endian `int32 0x00010001`, then per item `0x01, int32 length, bytes`, then `0x02`. One
 * node may hold several items (Curator's putMulti).
 */

const VERSION = 0x00010001;
const ITEM = 0x01;
const EOF_OPCODE = 0x02;

/**
 * The items of a queue node's data, or undefined when the data is not exactly one well-formed
 * frame (a wrong version, an unknown opcode, a length past the end, or bytes after the end).
 */
export function decodeItemFrame(data: Buffer): Buffer[] | undefined {
  if (data.length < 5 || data.readInt32BE(0) !== VERSION) return undefined;
  const items: Buffer[] = [];
  let at = 4;
  while (at < data.length) {
    const op = data[at++];
    if (op === EOF_OPCODE) return at === data.length ? items : undefined;
    if (op !== ITEM || at + 4 > data.length) return undefined;
    const len = data.readInt32BE(at);
    at += 4;
    if (len < 0 || at + len > data.length) return undefined;
    items.push(data.subarray(at, at + len));
    at += len;
  }
  return undefined; // no end opcode
}
