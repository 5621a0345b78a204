// A namespace import: a default import in the declarations fails without esModuleInterop.
import * as net from 'node:net';
import {
  matches,
  requestPath,
  type DroppedRequest,
  type DropOptions,
  type RequestMatch,
  type RequestOpName,
} from './fault-proxy-match.js';
import { Pair } from './fault-proxy-pair.js';
import { OpCode } from './wire/jute.js';

interface Armed {
  match: RequestMatch;
  deliverBytes: number;
  resolve: (d: DroppedRequest) => void;
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
