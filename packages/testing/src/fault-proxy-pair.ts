// A namespace import: a default import in the declarations fails without esModuleInterop.
import type * as net from 'node:net';
import type { FaultProxy } from './fault-proxy.js';
import type { DroppedRequest } from './fault-proxy-match.js';
import { FrameSplitter } from './wire/jute.js';

/** An opcode no ZooKeeper server knows. */
const UNKNOWN_OPCODE = 0x7fff;
/** Above this, the first four bytes are not a ZooKeeper frame length (e.g. a four-letter word). */
const MAX_FRAME = 64 * 1024 * 1024;

interface Item {
  frame: Buffer | null; // null: the other side closed
  due: number;
}

/** One proxied connection: client socket, upstream socket, and a queue each way. */
export class Pair {
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
