/**
 * Requests node-zookeeper-client 1.1.3 cannot make: create2 (create returning a Stat),
 * createContainer, createTTL, sync, addWatch, removeWatches, and multi with versions as given.
 *
 * The trick (docs/low-level-client.md, "Missing operations"): the package parses a reply by the
 * opcode in the request's header object, while the bytes on the wire come from `toBuffer()`. So
 * each request carries, in its header object, an opcode whose reply has the same wire layout as the
 * real one, and writes the real opcode into its bytes:
 * - create2 / createContainer / createTTL reply `path, Stat`, laid out like GetDataResponse
 *   (`data, Stat`): declared GET_DATA.
 * - sync replies `path`, like CreateResponse: declared CREATE.
 * - addWatch and removeWatches reply nothing, like DELETE: declared DELETE.
 * The server's transaction log shows createContainer, createTTL and create2 for these. Creates
 * (and deletes, in ops.ts) are serialized by ./wire.ts, the others by the package's records.
 */
import { errorFromCode } from '../errors.js';
import type { Acl, Stat } from '../types.js';
import { aclBytes } from './acls.js';
import { addRoot, stripRoot } from './chroot.js';
import { jute, type JuteRequest } from './nzc.js';
import { OpCode as OP } from './opcodes.js';
import type { JuteResponse, RawSession } from './raw-session.js';
import { statOf } from './stat.js';
import {
  MULTI_HEADER_BYTES,
  MultiFrameRequest,
  readMultiResults,
  writeMultiHeader,
} from './multi-frame.js';
import { MalformedReplyError, readStat, type ReplyReader } from './replies.js';
import { CreateRequest } from './wire.js';

/** A path (chroot prepended, as the package's records do) followed by fixed bytes. */
class PathRecord {
  chrootPath: string | undefined;
  constructor(
    private readonly path: string,
    private readonly tail: Buffer,
  ) {}
  setChrootPath(p: string | undefined): void {
    this.chrootPath = p;
  }
  private full(): Buffer {
    return Buffer.from(addRoot(this.path, this.chrootPath), 'utf8');
  }
  byteLength(): number {
    return 4 + this.full().length + this.tail.length;
  }
  serialize(buffer: Buffer, offset: number): number {
    const p = this.full();
    buffer.writeInt32BE(p.length, offset);
    p.copy(buffer, offset + 4);
    this.tail.copy(buffer, offset + 4 + p.length);
    return 4 + p.length + this.tail.length;
  }
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v, 0);
  return b;
}

const plainToBuffer = jute.Request.prototype.toBuffer;

/** Layout: int32 length, int32 xid, int32 type, body. The xid is assigned at send time. */
function disguisedToBuffer(this: JuteRequest): Buffer {
  const b = plainToBuffer.call(this);
  b.writeInt32BE((this as JuteRequest & { realOpcode: number }).realOpcode, 8);
  return b;
}

/** A request that is parsed as `declared` but sent as `real`. */
function disguised(declared: number, real: number, payload: unknown): JuteRequest {
  const header = new jute.protocol.RequestHeader!();
  header.type = declared;
  const req = new jute.Request(header, payload) as JuteRequest & { realOpcode: number };
  req.realOpcode = real;
  req.toBuffer = disguisedToBuffer;
  return req;
}

export interface Create2Args {
  path: string;
  data: Buffer;
  acls: readonly Acl[];
  flags: number;
  ttlMs?: number | undefined;
}

/**
 * A create reply (parsed as GetData's: the path is `data`): the path the server gave the node,
 * which carries the chroot (stripped here, so it is a server path as the caller's was), and Stat.
 */
export function createdNode(raw: RawSession, resp: JuteResponse): { path: string; stat: Stat } {
  const p = resp.payload!;
  const path = (p.data as Buffer | undefined)?.toString('utf8') ?? '';
  return { path: stripRoot(path, raw.chroot), stat: statOf(p.stat) };
}

/** create2 / createContainer / createTTL: resolves to the created path and Stat. */
export async function create2(raw: RawSession, a: Create2Args, timeoutMs?: number) {
  const req = new CreateRequest(a.path, a.data, a.acls, a.flags, a.ttlMs);
  return createdNode(raw, await raw.queue(a.path, req, timeoutMs));
}

/** sync: the server the session is on catches up with the leader for `path`. */
export async function sync(raw: RawSession, path: string, timeoutMs?: number): Promise<void> {
  await raw.queue(
    path,
    disguised(OP.create, OP.sync, new PathRecord(path, Buffer.alloc(0))),
    timeoutMs,
  );
}

/** addWatch mode: 0 persistent, 1 persistent recursive (AddWatchMode). */
export async function addWatch(raw: RawSession, path: string, mode: 0 | 1, timeoutMs?: number) {
  await raw.queue(
    path,
    disguised(OP.delete, OP.addWatch, new PathRecord(path, int32(mode))),
    timeoutMs,
  );
}

/**
 * removeWatches type: 1 children, 2 data, 3 any. (Types 4 and 5, persistent, are refused with
 * MARSHALLINGERROR by 3.8 servers; persistent watches are removed with 3.)
 */
export async function removeWatches(
  raw: RawSession,
  path: string,
  type: number,
  timeoutMs?: number,
) {
  await raw.queue(
    path,
    disguised(OP.delete, OP.removeWatches, new PathRecord(path, int32(type))),
    timeoutMs,
  );
}

export interface MultiOp {
  type:
    | typeof OP.create
    | typeof OP.createContainer
    | typeof OP.createTTL
    | typeof OP.delete
    | typeof OP.setData
    | typeof OP.check;
  path: string;
  data?: Buffer;
  acls?: readonly Acl[];
  mode?: number;
  version?: number;
  /** createTTL's time to live, in ms. */
  ttlMs?: number;
}

export interface MultiResult {
  type: number;
  path?: string;
  stat?: Stat;
}

/**
 * A multi serialized and read by core (jute's MultiHeader + op records, zookeeper.jute): the
 * package's TransactionRequest knows neither createContainer nor createTTL, and its reply
 * parser throws on the Create2 results those return. Paths get the chroot when serialized, as
 * the package's records do (a multi queued during a disconnect is written after the
 * reconnect).
 */
function isCreate(type: number): boolean {
  return type === OP.create || type === OP.createContainer || type === OP.createTTL;
}

class MultiRequest extends MultiFrameRequest {
  constructor(private readonly ops: readonly MultiOp[]) {
    super();
  }

  /** One pass to size the frame, one to write it, into one buffer (no part per field). */
  toBuffer(): Buffer {
    const { ops } = this;
    const paths = ops.map((op) => addRoot(op.path, this.chrootPath));
    const acls = ops.map((op) => (isCreate(op.type) ? aclBytes(op.acls ?? []) : undefined));
    let size = 12 + MULTI_HEADER_BYTES; // length, xid, opcode; the closing header
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      size += MULTI_HEADER_BYTES + 4 + Buffer.byteLength(paths[i]!);
      if (isCreate(op.type)) {
        size += 4 + (op.data?.length ?? 0) + acls[i]!.length + 4;
        if (op.type === OP.createTTL) size += 8;
      } else if (op.type === OP.setData) {
        size += 4 + (op.data?.length ?? 0) + 4;
      } else {
        size += 4; // delete, check: the version
      }
    }
    // Every byte is written below, so the pooled, unzeroed allocation is safe.
    const b = Buffer.allocUnsafe(size);
    b.writeInt32BE(size - 4, 0);
    b.writeInt32BE(this.header.xid, 4);
    b.writeInt32BE(OP.multi, 8);
    let o = 12;
    const bytes = (v: Buffer | undefined) => {
      o = b.writeInt32BE(v?.length ?? 0, o);
      if (v) o += v.copy(b, o);
    };
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      o = writeMultiHeader(b, o, op.type, false);
      const n = b.write(paths[i]!, o + 4, 'utf8');
      b.writeInt32BE(n, o);
      o += 4 + n;
      if (isCreate(op.type)) {
        bytes(op.data);
        o += acls[i]!.copy(b, o);
        o = b.writeInt32BE(op.mode ?? 0, o);
        if (op.type === OP.createTTL) o = b.writeBigInt64BE(BigInt(op.ttlMs ?? 0), o);
      } else if (op.type === OP.setData) {
        bytes(op.data);
        o = b.writeInt32BE(op.version ?? -1, o);
      } else {
        o = b.writeInt32BE(op.version ?? -1, o);
      }
    }
    writeMultiHeader(b, o, -1, true);
    return b;
  }

  /** MultiResponse: per op a MultiHeader and its result (Create2Response for the new creates). */
  readonly readReply: ReplyReader = (b, o, end) => {
    const results: (MultiResult & { err?: number })[] = [];
    const need = (n: number) => {
      if (o + n > end) throw new MalformedReplyError('multi reply shorter than its fields');
    };
    const path = () => {
      need(4);
      const n = b.readInt32BE(o);
      o += 4;
      if (n < 0) return '';
      need(n);
      const p = b.toString('utf8', o, o + n);
      o += n;
      return stripRoot(p, this.chrootPath);
    };
    readMultiResults(b, o, end, 'multi', (type, at) => {
      o = at;
      switch (type) {
        case OP.create:
          results.push({ type, path: path() });
          break;
        case OP.create2: {
          const p = path();
          results.push({ type: OP.create, path: p, stat: readStat(b, o, end) });
          o += 68;
          break;
        }
        case OP.setData:
          results.push({ type, stat: readStat(b, o, end) });
          o += 68;
          break;
        case OP.error:
          need(4);
          results.push({ type, err: b.readInt32BE(o) });
          o += 4;
          break;
        default: // delete, check
          results.push({ type });
      }
      return o;
    });
    return { results };
  };
}

/**
 * multi with the versions exactly as given (the package's Transaction builder turns version 0
 * into -1: `version || -1`, Transaction.js:99/123/151; upstream #67) and creates of every kind.
 */
export async function multi(
  raw: RawSession,
  ops: MultiOp[],
  timeoutMs?: number,
): Promise<MultiResult[]> {
  const resp = await raw.queue(undefined, new MultiRequest(ops), timeoutMs);
  type Result = MultiResult & { err?: number };
  const results = (resp.payload as { results: Result[] }).results;
  // A failed transaction is a reply without error whose results are ERROR (-1) records: the
  // failing op carries its code, the others 0 or RUNTIMEINCONSISTENCY (-2).
  const errors = results.map((r, i) => ({ i, err: r.type === OP.error ? (r.err ?? 0) : 0 }));
  const failed = errors.find((e) => e.err !== 0 && e.err !== -2) ?? errors.find((e) => e.err !== 0);
  if (failed) {
    const err = errorFromCode(failed.err, ops[failed.i]?.path);
    throw Object.assign(err, { opIndex: failed.i });
  }
  return results.map(({ type, path, stat }) => ({
    type,
    ...(path !== undefined ? { path } : {}),
    ...(stat ? { stat } : {}),
  }));
}
