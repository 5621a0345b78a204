/**
 * Core reads the frames the server sends, replacing onSocketData (docs/low-level-client.md,
 * "Reading frames"). The package's onSocketData copies the rest of a chunk again for every frame in
 * it (Buffer.concat, 395-399 and 578-580), parses every reply through its generic records
 * (./replies.ts has the cost), and keeps a partial frame across connections: it never clears
 * `pendingBuffer` on reconnect, and it returns with one set when it drops a connection on a reply
 * it cannot match, so the next connection's first reply would be read behind stale bytes.
 *
 * Here each chunk is split into whole frames once, a partial frame is kept only for the socket
 * it came from (its chunks copied, since the socket reads every chunk into one buffer of its own,
 * ./socket.ts, and joined once it is complete), and then, frame by frame:
 * - a notification is read here and handed to `onNotification` (./raw-session.ts: the
 *   persistent watches' hook, then core's watch table, ./watchers.ts);
 * - a reply to a request whose reply core reads (./replies.ts OwnReply: core's creates,
 *   deletes, getData, exists, getChildren) is read here and handed to that request's callback,
 *   with the same checks and bookkeeping as the package's (xid order, last zxid seen);
 * - anything else (the handshake, pings, auth, SetWatches, the package's own records) goes to
 *   the package's onSocketData, one whole frame at a time, so its own buffering never engages.
 */
import type { Socket } from 'node:net';
import { CM_STATE, zkException, type NzcConnectionManager, type NzcEvent } from './nzc.js';
import { hasOwnReply, MalformedReplyError, readNotification } from './replies.js';

const XID_NOTIFICATION = -1;
const HEADER_BYTES = 16; // xid int32, zxid int64, err int32

export function readFrames(cm: NzcConnectionManager, onNotification: (n: NzcEvent) => void): void {
  const packageRead = cm.onSocketData;
  // The chunks of an incomplete frame, each copied as it comes (not concatenated on each
  // arrival: a large reply would be copied once per chunk), and the socket they came from.
  let parts: Buffer[] = [];
  let partsBytes = 0;
  let partsFrom: Socket | undefined;

  /**
   * Adds `chunk` to the frame begun in an earlier chunk of `socket`: the frame once complete
   * (the kept bytes and only those of `chunk` it needs, copied once), with how many bytes of
   * `chunk` it took; undefined while it is still incomplete. The socket reads every chunk into
   * one buffer of its own (./socket.ts), so what is kept is a copy.
   */
  const complete = (chunk: Buffer): { frame: Buffer; used: number } | undefined => {
    let used = 0;
    if (partsBytes < 4) {
      // The length is not known yet: only its missing bytes first.
      used = Math.min(4 - partsBytes, chunk.length);
      parts = [Buffer.concat([...parts, chunk.subarray(0, used)])];
      partsBytes += used;
      if (partsBytes < 4) return undefined;
    }
    const total = 4 + parts[0]!.readInt32BE(0);
    const need = total - partsBytes;
    if (need > chunk.length - used) {
      parts.push(Buffer.from(chunk.subarray(used)));
      partsBytes += chunk.length - used;
      return undefined;
    }
    const frame = Buffer.concat([...parts, chunk.subarray(used, used + Math.max(0, need))]);
    parts = [];
    partsBytes = 0;
    return { frame, used: used + Math.max(0, need) };
  };

  /** Reads one frame (body from `o` to `end`); false: the package should read it. */
  const readOwn = (b: Buffer, o: number, end: number): boolean => {
    if (cm.state === CM_STATE.CONNECTING || end - o < HEADER_BYTES) return false;
    const xid = b.readInt32BE(o);
    if (xid === XID_NOTIFICATION) {
      onNotification(readNotification(b, o + HEADER_BYTES, end, cm.chrootPath));
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

  /** Reads the whole frames of `b` from `o` and keeps a copy of a partial one at its end. */
  const readFrom = (b: Buffer, o: number, socket: Socket | undefined): boolean => {
    while (b.length - o >= 4) {
      const size = b.readInt32BE(o);
      if (size < 0) {
        socket?.destroy(); // not a ZooKeeper frame: the package reconnects
        return false;
      }
      const end = o + 4 + size;
      if (end > b.length) break;
      try {
        if (!readOwn(b, o + 4, end)) packageRead.call(cm, b.subarray(o, end));
      } catch (e) {
        // The frames after this one are lost with it, so the connection goes too: read on, a
        // dropped notification would leave a watcher waiting forever on a live connection. Its
        // requests fail CONNECTION_LOSS and are retried; SetWatches re-arms the watches. Only a
        // malformed reply is ours to end here; anything else (thrown from a callback or by the
        // package) goes on up, as it did from the package's own handler.
        socket?.destroy();
        if (e instanceof MalformedReplyError) return false;
        throw e;
      }
      o = end;
      // A callback or the package dropped this connection: what is left of it is stale.
      if (cm.socket !== socket || socket?.destroyed) return false;
    }
    if (o < b.length) {
      parts = [Buffer.from(b.subarray(o))]; // a copy, as in complete()
      partsBytes = b.length - o;
      partsFrom = socket;
    }
    return true;
  };

  cm.onSocketData = function (chunk: Buffer) {
    const socket = cm.socket;
    let start = 0;
    if (partsBytes > 0 && partsFrom === socket) {
      const done = complete(chunk);
      if (done === undefined) return;
      if (!readFrom(done.frame, 0, socket)) return;
      start = done.used;
    } else {
      parts = [];
      partsBytes = 0;
    }
    readFrom(chunk, start, socket);
  };
}
