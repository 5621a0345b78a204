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

/**
 * jute's Stat at `o` (68 bytes, already checked to fit): read straight into core's shape. The
 * four longs are read through a DataView: Buffer's readBigInt64BE builds each from two halves
 * with BigInt arithmetic, about ten times the time, and every reply with a Stat pays it
 * (bench/RESULTS.md, issue 18).
 */
export function readStatAt(b: Buffer, o: number): Stat {
  const v = new DataView(b.buffer, b.byteOffset + o, 68);
  return {
    czxid: v.getBigInt64(0),
    mzxid: v.getBigInt64(8),
    ctime: v.getInt32(16) * 2 ** 32 + v.getUint32(20),
    mtime: v.getInt32(24) * 2 ** 32 + v.getUint32(28),
    version: v.getInt32(32),
    cversion: v.getInt32(36),
    aversion: v.getInt32(40),
    ephemeralOwner: v.getBigInt64(44),
    dataLength: v.getInt32(52),
    numChildren: v.getInt32(56),
    pzxid: v.getBigInt64(60),
  };
}

/** The Stat's 68 bytes as jute writes them at `o` of `b` (the inverse of readStatAt). */
export function writeStatAt(stat: Stat, b: Buffer, o: number): void {
  const v = new DataView(b.buffer, b.byteOffset + o, 68);
  v.setBigInt64(0, stat.czxid);
  v.setBigInt64(8, stat.mzxid);
  v.setInt32(16, Math.floor(stat.ctime / 2 ** 32));
  v.setUint32(20, stat.ctime >>> 0);
  v.setInt32(24, Math.floor(stat.mtime / 2 ** 32));
  v.setUint32(28, stat.mtime >>> 0);
  v.setInt32(32, stat.version);
  v.setInt32(36, stat.cversion);
  v.setInt32(40, stat.aversion);
  v.setBigInt64(44, stat.ephemeralOwner);
  v.setInt32(52, stat.dataLength);
  v.setInt32(56, stat.numChildren);
  v.setBigInt64(60, stat.pzxid);
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
