// A namespace import: a default import in the declarations fails without esModuleInterop.
import * as net from 'node:net';
import { FrameSplitter, OpCode } from './wire/jute.js';

/** Names accepted by {@link FaultProxy.dropNextReply}; `create` matches every create opcode. */
export type RequestOpName = keyof typeof OpCode;

/** Which request's reply `dropNextReply` drops: by operation and path. */
export interface RequestMatch {
  /** Operation name or raw opcode. */
  op: RequestOpName | number;
  /** Only requests whose path equals this string or matches this pattern. */
  path?: string | RegExp;
}

/** The request whose reply was dropped. */
export interface DroppedRequest {
  xid: number;
  opcode: number;
  path: string | undefined;
}

const CREATE_OPS: readonly number[] = [
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
];
/** Requests whose body starts with the path (so a path match can be made). */
const PATH_FIRST: ReadonlySet<number> = new Set([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, 17, 18, 19, 20, 21, 103, 104, 106,
]);
/** An opcode no ZooKeeper server knows. */
const UNKNOWN_OPCODE = 0x7fff;
/** Above this, the first four bytes are not a ZooKeeper frame length (e.g. a four-letter word). */
const MAX_FRAME = 64 * 1024 * 1024;

interface Item {
  frame: Buffer | null; // null: the other side closed
  due: number;
}

interface Armed {
  match: RequestMatch;
  deliverBytes: number;
  resolve: (d: DroppedRequest) => void;
}

/** How {@link FaultProxy.dropNextReply} drops a reply. */
export interface DropOptions {
  /**
   * Deliver this many of the reply's first bytes before the connection is cut (a reply cut off
   * mid-frame); default 0, none of it.
   */
  deliverBytes?: number;
}

function matches(m: RequestMatch, opcode: number, path: string | undefined): boolean {
  const ok =
    typeof m.op === 'number'
      ? m.op === opcode
      : m.op === 'create'
        ? CREATE_OPS.includes(opcode)
        : OpCode[m.op] === opcode;
  if (!ok) return false;
  if (m.path === undefined) return true;
  if (path === undefined) return false;
  return typeof m.path === 'string' ? m.path === path : m.path.test(path);
}

function requestPath(frame: Buffer, opcode: number): string | undefined {
  if (!PATH_FIRST.has(opcode) || frame.length < 16) return undefined;
  const n = frame.readInt32BE(12);
  if (n < 0 || frame.length < 16 + n) return undefined;
  return frame.toString('utf8', 16, 16 + n);
}

/** One proxied connection: client socket, upstream socket, and a queue each way. */
class Pair {
  private readonly queues: [Item[], Item[]] = [[], []]; // [to server, to client]
  private readonly splitters = [new FrameSplitter(), new FrameSplitter()];
  private readonly handshakeSeen = [false, false];
  private readonly raw = [false, false];
  /** Replies to drop, by xid. */
  private readonly drops = new Map<
    number,
    { info: DroppedRequest; deliverBytes: number; resolve: (d: DroppedRequest) => void }
  >();
  private timer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    private readonly proxy: FaultProxy,
    readonly client: net.Socket,
    readonly upstream: net.Socket,
  ) {
    client.on('data', (c) => this.arrive(0, c));
    upstream.on('data', (c) => this.arrive(1, c));
    client.on('close', () => this.arriveEnd(0));
    upstream.on('close', () => this.arriveEnd(1));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }

  private arrive(dir: 0 | 1, chunk: Buffer): void {
    const due = Date.now() + this.proxy.latencyMs;
    if (!this.raw[dir] && !this.handshakeSeen[dir] && chunk.length >= 4) {
      const n = chunk.readInt32BE(0);
      if (n < 0 || n > MAX_FRAME) this.raw[dir] = true;
    }
    const frames = this.raw[dir] ? [chunk] : this.splitters[dir]!.push(chunk);
    for (const frame of frames) this.queues[dir].push({ frame, due });
    this.pump();
  }

  private arriveEnd(dir: 0 | 1): void {
    this.queues[dir].push({ frame: null, due: Date.now() + this.proxy.latencyMs });
    this.pump();
  }

  /**
   * Delivers every item that is due in a direction the proxy does not hold. Frames due together
   * go out in one write, as TCP would deliver what it buffered during a stall.
   */
  pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const now = Date.now();
    let next = Infinity;
    for (const dir of [0, 1] as const) {
      if (this.proxy.isHolding(dir)) continue;
      const q = this.queues[dir];
      const batch: Buffer[] = [];
      let cut: (() => void) | undefined;
      while (q.length > 0 && q[0]!.due <= now && !cut) {
        const r = this.deliver(dir, q.shift()!);
        if (Buffer.isBuffer(r)) batch.push(r);
        else if (r) cut = r;
      }
      // What came before a dropped reply or a close still goes out, then the connection is cut.
      if (batch.length > 0) (dir === 0 ? this.upstream : this.client).write(Buffer.concat(batch));
      if (cut) {
        cut();
        return;
      }
      if (q.length > 0) next = Math.min(next, q[0]!.due);
    }
    if (next !== Infinity && !this.closed) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
    }
  }

  /** Handles one item: a frame to write, or a function that cuts the connection. */
  private deliver(dir: 0 | 1, item: Item): Buffer | (() => void) | undefined {
    if (item.frame === null) return () => this.destroy();
    const frame = item.frame;
    if (!this.raw[dir] && !this.handshakeSeen[dir]) {
      this.handshakeSeen[dir] = true;
    } else if (!this.raw[dir] && frame.length >= 12) {
      const xid = frame.readInt32BE(4);
      if (dir === 0) {
        const opcode = frame.readInt32BE(8);
        this.proxy.observeRequest(this, xid, opcode, frame);
        if (this.proxy.isUnknown(opcode)) {
          // The server then answers as one that lacks the operation (see unknownOps).
          const changed = Buffer.from(frame);
          changed.writeInt32BE(UNKNOWN_OPCODE, 8);
          this.proxy.countBytes(dir, changed.length);
          return changed;
        }
      } else if (this.drops.has(xid)) {
        // Drop the reply, then cut the connection: the server applied the request, the client
        // never learns it did (docs/failure-modes.md, 1: lost create reply).
        const { info, deliverBytes, resolve } = this.drops.get(xid)!;
        const part = frame.subarray(0, Math.min(deliverBytes, frame.length - 1));
        return () => {
          const cut = () => {
            this.destroy();
            resolve(info);
          };
          // The part is written out before the connection goes, as TCP would deliver it.
          if (part.length > 0) this.client.write(part, cut);
          else cut();
        };
      }
    }
    this.proxy.countBytes(dir, frame.length);
    return frame;
  }

  armDrop(info: DroppedRequest, deliverBytes: number, resolve: (d: DroppedRequest) => void): void {
    this.drops.set(info.xid, { info, deliverBytes, resolve });
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.client.destroy();
    this.upstream.destroy();
    this.proxy.forget(this);
  }
}

/**
 * A TCP proxy in front of one ZooKeeper server that makes the faults real clients meet:
 * closed connections, silent partitions, latency, and lost replies.
 *
 * @example
 * await using proxy = await FaultProxy.start(server.connectString);
 * const client = createClient({ connectString: proxy.connectString });
 * proxy.partition(); // bytes stop both ways, sockets stay open
 * proxy.heal();
 */
export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  private readonly armed: Armed[] = [];
  private readonly bytes = { toServer: 0, toClient: 0 };
  private accepted = 0;
  private rejecting = false;
  private readonly requestCounts = new Map<number, number>();
  private readonly operationCounts = new Map<number, number>();
  private readonly unknown = new Set<number>();
  /** Directions held by a silent partition: [to server, to client]. */
  private readonly held: [boolean, boolean] = [false, false];
  /** Added one-way delay, in milliseconds. */
  latencyMs = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts a proxy on a free loopback port in front of `target` (`host:port`). */
  static async start(target: string | { connectString: string }): Promise<FaultProxy> {
    const hp = (typeof target === 'string' ? target : target.connectString).split(',')[0]!;
    const i = hp.lastIndexOf(':');
    const dest = { host: hp.slice(0, i), port: Number(hp.slice(i + 1).split('/')[0]) };
    const server = net.createServer();
    const proxy = new FaultProxy(server, dest);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    if (this.rejecting) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = net.connect(this.target);
    upstream.setNoDelay(true);
    this.pairs.add(new Pair(this, client, upstream));
  }

  get port(): number {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  /** `127.0.0.1:<proxy port>`: give this to the client under test. */
  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Open proxied connections. */
  get connectionCount(): number {
    return this.pairs.size;
  }

  /** Connections accepted since the proxy started. */
  get acceptedCount(): number {
    return this.accepted;
  }

  /** Bytes delivered each way since the proxy started. */
  get bytesForwarded(): { toServer: number; toClient: number } {
    return { ...this.bytes };
  }

  /** Closes every open connection now; new connections are accepted as usual. */
  closeAll(): void {
    for (const p of [...this.pairs]) p.destroy();
  }

  /**
   * A silent partition: connections stay open but no byte (and no close) passes (both ways, or
   * only `toServer` or `toClient`), for existing and new connections, until {@link heal}. What
   * was sent meanwhile is delivered on heal, in one write per direction, as TCP would deliver
   * what it buffered, unless a side gave up on the connection first.
   */
  partition(direction: 'both' | 'toServer' | 'toClient' = 'both'): void {
    this.held[0] = direction !== 'toClient';
    this.held[1] = direction !== 'toServer';
  }

  /** True while a partition holds traffic in `dir` (0: to the server, 1: to the client). */
  isHolding(dir: 0 | 1): boolean {
    return this.held[dir];
  }

  /**
   * New connections are accepted and closed at once, as by a server that is up but not serving
   * (e.g. a member without quorum); open ones are closed too. Until {@link heal}.
   */
  rejectConnections(): void {
    this.rejecting = true;
    this.closeAll();
  }

  /** How many requests with this opcode (or name) have been delivered to the server. */
  requestCount(op: RequestOpName | number): number {
    const code = typeof op === 'number' ? op : OpCode[op];
    return this.requestCounts.get(code) ?? 0;
  }

  /**
   * How many operations with this opcode (or name) reached the server, sent alone or as reads
   * of a multiRead (whose getData and getChildren count here, not in {@link requestCount}).
   */
  operationCount(op: RequestOpName | number): number {
    const code = typeof op === 'number' ? op : OpCode[op];
    return this.operationCounts.get(code) ?? 0;
  }

  private countOperations(opcode: number, frame: Buffer): void {
    const add = (code: number) =>
      this.operationCounts.set(code, (this.operationCounts.get(code) ?? 0) + 1);
    if (opcode !== OpCode.multiRead) {
      add(opcode);
      return;
    }
    // Per read: MultiHeader (type int32, done byte, err int32), path (int32 length, bytes),
    // watch byte; a header with done set ends them.
    let o = 12;
    while (o + 9 <= frame.length && frame.readUInt8(o + 4) === 0) {
      add(frame.readInt32BE(o));
      o += 9;
      if (o + 4 > frame.length) return;
      o += 4 + Math.max(0, frame.readInt32BE(o)) + 1;
    }
  }

  /**
   * Makes the server see these operations under an opcode it does not know, so that the real
   * server answers them UNIMPLEMENTED (and drops the connection), exactly as a server of a
   * version without them does: a 3.8 server plays a 3.5 one for `addWatch`. Until
   * `unknownOps([])`; `heal()` leaves it.
   */
  unknownOps(ops: readonly (RequestOpName | number)[]): void {
    this.unknown.clear();
    for (const op of ops) this.unknown.add(typeof op === 'number' ? op : OpCode[op]);
  }

  /** @internal */
  isUnknown(opcode: number): boolean {
    return this.unknown.size > 0 && this.unknown.has(opcode);
  }

  /** Adds `ms` of delay to every byte each way (0 removes it). */
  setLatency(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`latency must be >= 0, got ${ms}`);
    this.latencyMs = ms;
  }

  /** Ends a partition, connection rejection and any latency; held traffic flows again. */
  heal(): void {
    this.held[0] = false;
    this.held[1] = false;
    this.rejecting = false;
    this.latencyMs = 0;
    for (const p of this.pairs) p.pump();
  }

  /**
   * Lets the next request that matches reach the server, drops the server's reply to it (all
   * of it, or all but its first `deliverBytes`) and then closes that connection. Resolves when
   * the reply has been dropped.
   */
  dropNextReply(match: RequestMatch, options: DropOptions = {}): Promise<DroppedRequest> {
    const deliverBytes = options.deliverBytes ?? 0;
    if (!(Number.isInteger(deliverBytes) && deliverBytes >= 0)) {
      throw new RangeError(`deliverBytes must be an integer >= 0, got ${deliverBytes}`);
    }
    return new Promise((resolve) => this.armed.push({ match, deliverBytes, resolve }));
  }

  /** @internal */
  observeRequest(pair: Pair, xid: number, opcode: number, frame: Buffer): void {
    this.requestCounts.set(opcode, (this.requestCounts.get(opcode) ?? 0) + 1);
    this.countOperations(opcode, frame);
    if (this.armed.length === 0) return;
    const path = requestPath(frame, opcode);
    const i = this.armed.findIndex((a) => matches(a.match, opcode, path));
    if (i < 0) return;
    const [armed] = this.armed.splice(i, 1);
    pair.armDrop({ xid, opcode, path }, armed!.deliverBytes, armed!.resolve);
  }

  /** @internal */
  countBytes(dir: 0 | 1, n: number): void {
    if (dir === 0) this.bytes.toServer += n;
    else this.bytes.toClient += n;
  }

  /** @internal */
  forget(pair: Pair): void {
    this.pairs.delete(pair);
  }

  /** Closes every connection and stops listening. Idempotent. */
  async close(): Promise<void> {
    this.closeAll();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `await using`: calls `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
