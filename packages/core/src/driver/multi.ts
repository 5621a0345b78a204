/**
 * multi with the versions exactly as given and creates of every kind (./requests.ts has the
 * other requests the package cannot make).
 *
 * A multi serialized and read by core (jute's MultiHeader + op records, zookeeper.jute): the
 * package's TransactionRequest knows neither createContainer nor createTTL, and its reply
 * parser throws on the Create2 results those return. Paths get the chroot when serialized, as
 * the package's records do (a multi queued during a disconnect is written after the
 * reconnect).
 */
import { errorFromCode } from '../errors.js';
import type { Acl, Stat } from '../types.js';
import { aclBytes } from './acls.js';
import { addRoot, stripRoot } from './chroot.js';
import {
  MULTI_HEADER_BYTES,
  MultiFrameRequest,
  readMultiResults,
  writeMultiHeader,
} from './multi-frame.js';
import { OpCode as OP } from './opcodes.js';
import type { RawSession } from './raw-session.js';
import { MalformedReplyError, readStat, type ReplyReader } from './replies.js';

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
