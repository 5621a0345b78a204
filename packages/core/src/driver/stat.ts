/**
 * Core's Stat (types.ts) from the two places a reply's Stat comes from: a frame core reads
 * itself (./replies.ts), or a record the package parsed (setData, setACL, getACL, multi), whose
 * longs are 8-byte buffers. The driver converts here, so nothing above it sees the package's
 * shape.
 */
import type { Stat } from '../types.js';
import type { NzcStat } from './nzc.js';

/** Epoch milliseconds from 8 big-endian bytes without a BigInt (exact below 2^53, as Number() is). */
const millisAt = (b: Buffer, o: number): number =>
  b.readInt32BE(o) * 2 ** 32 + b.readUInt32BE(o + 4);

/** jute's Stat at `o` (68 bytes, already checked to fit): read straight into core's shape. */
export function readStatAt(b: Buffer, o: number): Stat {
  return {
    czxid: b.readBigInt64BE(o),
    mzxid: b.readBigInt64BE(o + 8),
    ctime: millisAt(b, o + 16),
    mtime: millisAt(b, o + 24),
    version: b.readInt32BE(o + 32),
    cversion: b.readInt32BE(o + 36),
    aversion: b.readInt32BE(o + 40),
    ephemeralOwner: b.readBigInt64BE(o + 44),
    dataLength: b.readInt32BE(o + 52),
    numChildren: b.readInt32BE(o + 56),
    pzxid: b.readBigInt64BE(o + 60),
  };
}

function fromPackage(s: NzcStat): Stat {
  return {
    czxid: s.czxid.readBigInt64BE(0),
    mzxid: s.mzxid.readBigInt64BE(0),
    ctime: millisAt(s.ctime, 0),
    mtime: millisAt(s.mtime, 0),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: s.ephemeralOwner.readBigInt64BE(0),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    pzxid: s.pzxid.readBigInt64BE(0),
  };
}

/**
 * A reply payload's `stat` as core's Stat, whoever parsed it. Replies core reads are already
 * Stats; the package parses a reply of core's requests only in a state it never gets one
 * (./reader.ts), but its shape is converted rather than trusted.
 */
export function statOf(s: unknown): Stat {
  const x = s as Stat | NzcStat;
  return typeof x.czxid === 'bigint' ? (x as Stat) : fromPackage(x as NzcStat);
}
