/**
 * Core reads the frames the server sends (notes §5 C: replacing onSocketData). The package's
 * onSocketData copies the rest of a chunk again for every frame in it (Buffer.concat, 395-399
 * and 578-580), parses every reply through its generic records (./replies.ts has the cost),
 * and keeps a partial frame across connections: it never clears `pendingBuffer` on reconnect,
 * and it returns with one set when it drops a connection on a reply it cannot match, so the
 * next connection's first reply would be read behind stale bytes.
 *
 * Here each chunk is split into whole frames once, a partial frame is kept only for the socket
 * it came from, and then, frame by frame:
 * - a notification is read here and given to the package's WatcherManager, as the package
 *   does (it keeps the registrations SetWatches re-arms);
 * - a reply to a request whose reply core reads (./replies.ts OwnReply: core's creates,
 *   deletes, getData, exists, getChildren) is read here and handed to that request's callback,
 *   with the same checks and bookkeeping as the package's (xid order, last zxid seen);
 * - anything else (the handshake, pings, auth, SetWatches, the package's own records) goes to
 *   the package's onSocketData, one whole frame at a time, so its own buffering never engages.
 */
import type { Socket } from 'node:net';
import { CM_STATE, zkException, type NzcConnectionManager } from './nzc.js';
import { hasOwnReply, MalformedReplyError, readNotification } from './replies.js';

const XID_NOTIFICATION = -1;
const HEADER_BYTES = 16; // xid int32, zxid int64, err int32

export function readFrames(cm: NzcConnectionManager): void {
  const packageRead = cm.onSocketData;
  let partial: Buffer | undefined;
  let partialFrom: Socket | undefined;

  /** Reads one frame (body from `o` to `end`); false: the package should read it. */
  const readOwn = (b: Buffer, o: number, end: number): boolean => {
    if (cm.state === CM_STATE.CONNECTING || end - o < HEADER_BYTES) return false;
    const xid = b.readInt32BE(o);
    if (xid === XID_NOTIFICATION) {
      cm.watcherManager.emit(readNotification(b, o + HEADER_BYTES, end, cm.chrootPath));
      return true;
    }
    const packet = cm.pendingQueue[0];
    if (!packet || packet.request.header?.xid !== xid || !hasOwnReply(packet.request)) {
      return false; // the package's, or out of order: the package drops the connection
    }
    const err = b.readInt32BE(o + 12);
    // Read before the packet leaves the queue: a malformed reply drops the connection, and the
    // request then fails with the rest, CONNECTION_LOSS (onSocketClosed).
    const payload = err === 0 ? packet.request.readReply(b, o + HEADER_BYTES, end) : null;
    cm.pendingQueue.shift();
    // The package records every reply's zxid (its `if (responseHeader.zxid)` tests a Buffer):
    // the next handshake and SetWatches send it.
    const zxid = Buffer.allocUnsafe(8);
    b.copy(zxid, 0, o + 4, o + 12);
    cm.zxid = zxid;
    const response = { header: { xid, zxid, err }, payload };
    packet.callback?.(err === 0 ? null : zkException(err), response);
    return true;
  };

  cm.onSocketData = function (chunk: Buffer) {
    const socket = cm.socket;
    let b = chunk;
    if (partial !== undefined && partialFrom === socket) b = Buffer.concat([partial, chunk]);
    partial = undefined;
    partialFrom = undefined;
    let o = 0;
    while (b.length - o >= 4) {
      const size = b.readInt32BE(o);
      if (size < 0) {
        socket?.destroy(); // not a ZooKeeper frame: the package reconnects
        return;
      }
      const end = o + 4 + size;
      if (end > b.length) break;
      let own: boolean;
      try {
        own = readOwn(b, o + 4, end);
      } catch (e) {
        if (!(e instanceof MalformedReplyError)) throw e;
        socket?.destroy();
        return;
      }
      if (!own) packageRead.call(cm, b.subarray(o, end));
      o = end;
      // A callback or the package dropped this connection: what is left of it is stale.
      if (cm.socket !== socket || socket?.destroyed) return;
    }
    if (o < b.length) {
      partial = b.subarray(o);
      partialFrom = socket;
    }
  };
}
