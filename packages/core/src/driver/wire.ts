/**
 * Create, delete and read requests serialized by core in one pass, into one buffer, and whose
 * replies core reads itself (./replies.ts). The package's
 * records are generic: per request they walk a field specification, run a regex per vector
 * field (twice: to size it, then to write it) and copy each string through a temporary
 * buffer; serializing through them was a large share of core's client CPU with many creates and
 * deletes in flight (ADR 0010; a CPU profile of bench/core-vs-raw.mjs). The bytes are jute's,
 * exactly as the package's records write them (CreateRequest, DeleteRequest in ZooKeeper's
 * zookeeper.jute); the objects keep the shape the package's connection manager uses: `header` (it
 * assigns the xid there just before it calls `toBuffer()`), `payload.setChrootPath()`.
 */
import type { Acl } from '../types.js';
import { aclBytes } from './acls.js';
import { addRoot } from './chroot.js';
import type { JuteRecord, JuteRequest } from './nzc.js';
import { OpCode } from './opcodes.js';
import {
  childrenReply,
  dataReply,
  noReply,
  statReply,
  type OwnReply,
  type ReplyReader,
} from './replies.js';

const { delete: DELETE, exists: EXISTS, getData: GET_DATA, getChildren2: GET_CHILDREN2 } = OpCode;

/**
 * The fields every request here shares. The path gets the chroot when the connection manager
 * sets one (as the package's records do), when serialized: a request queued during a
 * disconnect is written after the reconnect.
 */
abstract class OwnRequest implements JuteRequest, OwnReply {
  readonly header: { xid: number; type: number };
  readonly payload: JuteRecord;
  private chrootPath: string | undefined = undefined;

  constructor(
    declared: number,
    private readonly real: number,
    readonly path: string,
    /** How core reads the reply (./reader.ts); the declared opcode is the package's fallback. */
    readonly readReply: ReplyReader,
  ) {
    // The package parses the reply by this opcode (requests.ts explains the disguise).
    this.header = { xid: 0, type: declared };
    this.payload = this as unknown as JuteRecord;
  }

  setChrootPath(p: string | undefined): void {
    this.chrootPath = p;
  }

  /** Bytes of the body after the path, and their writer. */
  protected abstract bodyLength(): number;
  protected abstract writeBody(b: Buffer, offset: number): void;

  toBuffer(): Buffer {
    const path = addRoot(this.path, this.chrootPath);
    const pathBytes = Buffer.byteLength(path);
    const size = 8 + 4 + pathBytes + this.bodyLength();
    // Every byte is written below, so the pooled, unzeroed allocation is safe.
    const b = Buffer.allocUnsafe(4 + size);
    b.writeInt32BE(size, 0);
    b.writeInt32BE(this.header.xid, 4);
    b.writeInt32BE(this.real, 8);
    b.writeInt32BE(pathBytes, 12);
    b.write(path, 16, 'utf8');
    this.writeBody(b, 16 + pathBytes);
    return b;
  }

  byteLength(): number {
    return this.toBuffer().length - 12; // the record alone (never used on a hot path)
  }
}

/** create2, createContainer or createTTL (by flags and ttl), parsed like GetData: `path, Stat`. */
export class CreateRequest extends OwnRequest {
  private readonly acl: Buffer;

  constructor(
    path: string,
    private readonly data: Buffer,
    acls: readonly Acl[],
    private readonly flags: number,
    private readonly ttlMs: number | undefined,
  ) {
    super(
      GET_DATA,
      ttlMs !== undefined
        ? OpCode.createTTL
        : flags === 4
          ? OpCode.createContainer
          : OpCode.create2,
      path,
      dataReply,
    );
    this.acl = aclBytes(acls);
  }

  protected bodyLength(): number {
    return 4 + this.data.length + this.acl.length + 4 + (this.ttlMs === undefined ? 0 : 8);
  }

  protected writeBody(b: Buffer, offset: number): void {
    let o = b.writeInt32BE(this.data.length, offset);
    o += this.data.copy(b, o);
    o += this.acl.copy(b, o);
    o = b.writeInt32BE(this.flags, o);
    if (this.ttlMs !== undefined) b.writeBigInt64BE(BigInt(this.ttlMs), o);
  }
}

/** delete, which replies nothing. */
export class DeleteRequest extends OwnRequest {
  constructor(
    path: string,
    private readonly version: number,
  ) {
    super(DELETE, DELETE, path, noReply);
  }

  protected bodyLength(): number {
    return 4;
  }

  protected writeBody(b: Buffer, offset: number): void {
    b.writeInt32BE(this.version, offset);
  }
}

const READERS: Record<number, ReplyReader> = {
  [GET_DATA]: dataReply,
  [EXISTS]: statReply,
  [GET_CHILDREN2]: childrenReply,
};

/** getData, exists or getChildren2: a path and whether to leave a watch. */
export class ReadRequest extends OwnRequest {
  constructor(
    op: typeof GET_DATA | typeof EXISTS | typeof GET_CHILDREN2,
    path: string,
    private readonly watch: boolean,
  ) {
    super(op, op, path, READERS[op]!);
  }

  protected bodyLength(): number {
    return 1;
  }

  protected writeBody(b: Buffer, offset: number): void {
    b.writeUInt8(this.watch ? 1 : 0, offset);
  }
}

export const READ_OP = { getData: GET_DATA, exists: EXISTS, getChildren2: GET_CHILDREN2 } as const;
