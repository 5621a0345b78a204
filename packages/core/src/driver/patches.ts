/**
 * Per-connection compensations for node-zookeeper-client 1.1.3 defects, applied to one
 * client's ConnectionManager through its instance properties (no fork). Each one has a
 * regression test under test/src/core/ that fails without it; docs/low-level-client.md
 * describes each defect.
 */
import type { Socket } from 'node:net';
import { CM_STATE, jute, type NzcConnectionManager, type Packet } from './nzc.js';
import { OpCode } from './opcodes.js';

const XID_LIMIT = 2 ** 31 - 1;
/**
 * SetWatches chunks stay well under the server's 1 MiB jute.maxbuffer
 * (docs/low-level-client.md, "Oversized SetWatches").
 */
const SET_WATCHES_CHUNK_BYTES = 128 * 1024;

/**
 * xid: starts at 0 in the package (trouble under throttling, upstream #100) and throws a
 * RangeError past 2^31 from inside `queue()` and even `close()` (PR #101). An accessor keeps it
 * in 1..2^31-1 and wraps.
 */
export function patchXid(cm: NzcConnectionManager): void {
  let xid = 1;
  Object.defineProperty(cm, 'xid', {
    configurable: true,
    get: () => xid,
    set: (v: number) => {
      xid = v >= XID_LIMIT || v < 1 ? 1 : v;
    },
  });
}

/** Test seam: move the xid close to the wrap point. */
export function setXidForTest(cm: NzcConnectionManager, xid: number): void {
  cm.xid = xid;
}

function splitSetWatches(packet: Packet): Packet[] {
  const p = packet.request.payload;
  if (!p || p.byteLength() <= SET_WATCHES_CHUNK_BYTES) return [packet];
  const kinds = ['dataWatches', 'existWatches', 'childWatches'] as const;
  const chunks: Packet[] = [];
  let current = {
    dataWatches: [] as string[],
    existWatches: [] as string[],
    childWatches: [] as string[],
  };
  let bytes = 0;
  const flush = () => {
    const payload = new jute.protocol.SetWatches!();
    payload.relativeZxid = p.relativeZxid;
    Object.assign(payload, current);
    payload.setChrootPath(p.chrootPath);
    const header = new jute.protocol.RequestHeader!();
    header.xid = packet.request.header!.xid;
    header.type = packet.request.header!.type;
    chunks.push({ request: new jute.Request(header, payload), callback: () => undefined });
    current = { dataWatches: [], existWatches: [], childWatches: [] };
    bytes = 0;
  };
  for (const kind of kinds) {
    for (const path of (p[kind] as string[] | undefined) ?? []) {
      const size = Buffer.byteLength(path) + (p.chrootPath?.length ?? 0) + 4;
      if (bytes + size > SET_WATCHES_CHUNK_BYTES) flush();
      current[kind].push(path);
      bytes += size;
    }
  }
  if (bytes > 0) flush();
  return chunks;
}

/**
 * Reorders what waits to be sent when a connection reaches CONNECTED. The package queues the
 * re-auth and SetWatches packets *behind* requests issued while disconnected (every such request
 * to an ACL'd node then fails NOAUTH), adds another AUTH and SetWatches at every TCP connect
 * that does not reach a session (they pile up), and sends SetWatches whole (over the packet
 * limit past ~11k watches, and the server drops the connection in a loop). The CONNECTED
 * 'state' event fires before the queue is flushed (ConnectionManager.js 443-446), so rewriting
 * the queue there fixes all three: fresh AUTH first, one SetWatches split in chunks, then the
 * rest in their order.
 */
export function patchReconnectQueue(cm: NzcConnectionManager): void {
  const { auth: AUTH, setWatches: SET_WATCHES } = OpCode;
  cm.on('state', (state) => {
    if (state !== CM_STATE.CONNECTED) return;
    const q = cm.packetQueue.queue;
    const auth: Packet[] = [];
    let setWatches: Packet | undefined;
    const rest: Packet[] = [];
    for (const packet of q) {
      const type = packet.request.header?.type;
      if (type === AUTH) auth.push(packet);
      else if (type === SET_WATCHES)
        setWatches = packet; // the last one is the fresh one
      else rest.push(packet);
    }
    const freshAuth = auth.slice(Math.max(0, auth.length - cm.credentials.length));
    q.length = 0;
    q.push(...freshAuth, ...(setWatches ? splitSetWatches(setWatches) : []), ...rest);
  });
}

/**
 * Requests queued in one tick leave in one write. The package writes each request the moment it
 * is queued, with its own socket.write(): a system call per request (and with setNoDelay a TCP
 * segment), the largest single share of client CPU with 100 requests in flight
 * (bench/core-vs-raw.mjs). Corking the socket at the first request of a tick and uncorking it on
 * the next tick changes only when the bytes leave: the package still serializes each request,
 * assigns its xid and moves it to its pending queue at once, in order, and one writev sends them
 * all, in that order.
 */
export function batchWrites(cm: NzcConnectionManager): WriteBatcher {
  let corked: Socket | undefined;
  const uncork = () => {
    const socket = corked;
    corked = undefined;
    socket?.uncork();
  };
  /** The socket to cork now: none while a batch is open or the connection is not up. */
  const corkable = () =>
    corked === undefined && cm.state === CM_STATE.CONNECTED ? cm.socket : undefined;
  // Before the package's own listener, which writes.
  cm.packetQueue.prependListener('readable', () => {
    const socket = corkable();
    if (!socket) return;
    // A request on an idle connection (no reply awaited) leaves at once, as the package sends
    // it: a lone request (a release's delete, a waiter's listing on a failover) would otherwise
    // wait for every microtask queued behind it. Requests queued while replies are awaited
    // are the ones that come in crowds.
    if (cm.pendingQueue.length === 0) return;
    corked = socket;
    socket.cork();
    process.nextTick(uncork);
  });
  return {
    together(fn) {
      const socket = corkable();
      if (!socket) {
        fn(); // they join this tick's write, or wait for the connection anyway
        return;
      }
      corked = socket;
      socket.cork();
      try {
        fn();
      } finally {
        corked = undefined;
        socket.uncork();
      }
    },
  };
}

export interface WriteBatcher {
  /**
   * Runs `fn`, and writes the requests it queues in one write as soon as it returns: a
   * contender's create and the listing queued right behind it leave together, at once.
   */
  together(fn: () => void): void;
}

/**
 * Tells `onError` of every socket error (ECONNREFUSED, ENOTFOUND, ECONNRESET, ...). The package
 * only clears its connect timer on one and reconnects on the close that follows, so a connect
 * that never succeeds left nothing to say why (a ConnectTimeoutError without a cause).
 * `onSocketError` is looked up when each error fires (./socket.ts), so an instance property
 * replaces it for every socket.
 */
export function observeSocketErrors(
  cm: NzcConnectionManager,
  onError: (err: Error, connected: boolean) => void,
): void {
  const original = cm.onSocketError;
  cm.onSocketError = function (this: NzcConnectionManager, err: Error) {
    const connected = this.state === CM_STATE.CONNECTED;
    original.call(this, err);
    onError(err, connected);
  };
}
