/**
 * The few pieces of ZooKeeper's jute encoding that the testing package needs to speak to a
 * server without a client library. Only `@zk-recipes/core` may import node-zookeeper-client
 * (docs/adr/0002), so the testing helpers that must reach a server (expireSession, test roots,
 * leftover checks) use this small codec instead.
 */

/** Opcodes from ZooKeeper's `ZooDefs.OpCode`. */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
} as const;

/** A growable big-endian buffer writer for jute records. */
export class JuteWriter {
  private buf = Buffer.alloc(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  int(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.len);
    this.len += 4;
    return this;
  }

  long(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.len);
    this.len += 8;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf.writeUInt8(v ? 1 : 0, this.len);
    this.len += 1;
    return this;
  }

  buffer(v: Buffer | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.ensure(v.length);
    v.copy(this.buf, this.len);
    this.len += v.length;
    return this;
  }

  ustring(v: string | null): this {
    return this.buffer(v === null ? null : Buffer.from(v, 'utf8'));
  }

  /** The record written so far, prefixed with its length as ZooKeeper frames it. */
  frame(): Buffer {
    const out = Buffer.alloc(this.len + 4);
    out.writeInt32BE(this.len, 0);
    this.buf.copy(out, 4, 0, this.len);
    return out;
  }
}

/** A big-endian reader over one received frame (without its length prefix). */
export class JuteReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  int(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    const v = this.buf.readUInt8(this.pos) !== 0;
    this.pos += 1;
    return v;
  }

  buffer(): Buffer | null {
    const n = this.int();
    if (n < 0) return null;
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  ustring(): string | null {
    const b = this.buffer();
    return b === null ? null : b.toString('utf8');
  }
}

/**
 * Splits a TCP byte stream into ZooKeeper frames (4-byte big-endian length, then the body).
 * Partial frames are kept until the rest arrives.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const n = this.pending.readInt32BE(0);
      if (n < 0 || this.pending.length < 4 + n) break;
      frames.push(this.pending.subarray(0, 4 + n));
      this.pending = this.pending.subarray(4 + n);
    }
    return frames;
  }
}

/** A znode's Stat as the server sends it. */
export interface WireStat {
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export function readStat(r: JuteReader): WireStat {
  return {
    czxid: r.long(),
    mzxid: r.long(),
    ctime: r.long(),
    mtime: r.long(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.long(),
  };
}
