/**
 * Requests node-zookeeper-client 1.1.3 cannot make: create2 (create returning a Stat),
 * createContainer, createTTL, sync, addWatch and removeWatches (multi with versions as given is
 * ./multi.ts).
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
import type { Acl, Stat } from '../types.js';
import { addRoot, stripRoot } from './chroot.js';
import { jute, type JuteRequest } from './nzc.js';
import { OpCode as OP } from './opcodes.js';
import type { JuteResponse, RawSession } from './raw-session.js';
import { statOf } from './stat.js';
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
