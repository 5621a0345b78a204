/**
 * The connection's socket, made by core instead of the package (ConnectionManager.js connect,
 * 214-236), for two costs the package's socket adds to every message (ADR 0035):
 * - reading: the package listens for 'data', so every chunk the socket reads passes through the
 *   stream machinery (a Buffer made per read, Readable.push, an event, a nextTick to read more).
 *   Here the socket reads into one buffer of its own (`onread`) and hands each chunk straight to
 *   the frame reader. The buffer is read into again by the next read, so nothing may keep a view
 *   of a chunk past the call: ./reader.ts copies the partial frame it keeps, and every reply reader
 *   (./replies.ts, the package's records) copies what it returns.
 * - pinging: the package pings on the socket's idle timeout (`socket.setTimeout`, 375 and 448), a
 *   timer Node refreshes on every read and every write. Here no socket timer is set, and
 *   {@link installWatchdog} pings from its interval when nothing has been sent for a while.
 * Everything else is the package's: its handlers, looked up on the connection manager when each
 * event fires, so core's per-connection patches (./patches.ts) still apply.
 */
import net from 'node:net';
import { CM_STATE, jute, type JuteRequest, type NzcConnectionManager } from './nzc.js';
import { OpCode } from './opcodes.js';

/** What one read takes at most: libuv's own default per read. */
const READ_BUFFER_BYTES = 64 * 1024;

/** Replaces the package's `connect` on this connection manager (the instance, not the class). */
export function ownSocket(cm: NzcConnectionManager): void {
  cm.connect = function () {
    cm.setState(CM_STATE.CONNECTING);
    cm.findNextServer((server) => {
      const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      const socket = net.connect({
        host: server.host,
        port: server.port,
        onread: {
          buffer,
          // true: go on reading (false would pause the socket).
          callback: (bytes: number, b: Uint8Array) => {
            cm.onSocketData((b as Buffer).subarray(0, bytes));
            return true;
          },
        },
      });
      // The package arms the socket's idle timer on the handshake's reply to ping; pings are
      // core's (installWatchdog), and an idle timer would be refreshed on every read and write.
      socket.setTimeout = () => socket;
      cm.socket = socket;
      cm.connectTimeoutHandler = setTimeout(() => cm.onSocketConnectTimeout(), cm.connectTimeout);
      socket.setNoDelay(); // as the package: a request leaves at once
      socket.on('connect', () => cm.onSocketConnected());
      socket.on('drain', () => cm.onSocketDrain());
      socket.on('close', (hadError: boolean) => cm.onSocketClosed(hadError));
      socket.on('error', (err: Error) => cm.onSocketError(err));
    });
  };
}

/** The ping the package sends (ConnectionManager.js onSocketTimeout): xid -2, no body. */
function pingRequest(): JuteRequest {
  const XID_PING = -2;
  const header = new jute.protocol.RequestHeader!(XID_PING, OpCode.ping);
  return new jute.Request(header, null);
}

export interface Watchdog {
  /** Starts watching once a session is negotiated, with its timeout. */
  connected(negotiatedTimeoutMs: number): void;
  /** Milliseconds since anything last arrived from the server (monotonic clock). */
  silentMs(): number;
  stop(): void;
}

/** The watchdog's tick is 1/15 of the session timeout; a ping follows 4 ticks with nothing sent. */
const TICKS_PER_SESSION = 15;
const IDLE_TICKS_BEFORE_PING = 4;

/**
 * The connection's timers, on one interval of 1/15 of the negotiated session timeout, and one
 * for the handshake:
 * - ping: while connected, when no request has been written for 4 ticks (between 4/15 and 1/3 of
 *   the session timeout, where the package pinged after a third), a ping is queued. The server
 *   expires a session that sends nothing for its whole timeout. A message costs nothing here (the
 *   package's socket timer was refreshed on every read and write).
 * - silence (the package's read timeout is commented out, line 116): while connected, a
 *   connection from which nothing (not even a ping's reply) has arrived for 2/3 of the session
 *   timeout is destroyed, as the Java client's read timeout does; pings leave within a third, so
 *   a live server always answers in time. Destroying it makes the package report a disconnect,
 *   which we surface as SUSPENDED while the server still needs the remaining third before it can
 *   expire the session (docs/failure-modes.md, 2: SUSPENDED is not LOST).
 * - handshake (the package's connect timeout is cleared on TCP connect, line 306): a server that
 *   accepts TCP and never answers the connect request is dropped after `handshakeTimeoutMs`, so
 *   the client moves on to the next server.
 */
export function installWatchdog(cm: NzcConnectionManager, handshakeTimeoutMs: number): Watchdog {
  // The monotonic clock: a wall clock set back or forward must not hide or fake a silence (a
  // holder's assertHeld() reads it too).
  let lastRead = performance.now();
  let silenceLimitMs = Infinity;
  let lastXid = cm.xid;
  // When a tick last saw a request written (or queued a ping): pings follow the clock, not a
  // count of ticks, so a tick delayed by a busy event loop pings at once rather than 4 ticks on.
  let lastSent = performance.now();
  let pingAfterMs = Infinity;
  let timer: NodeJS.Timeout | undefined;
  let tickMs = 0;
  let handshakeTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const originalData = cm.onSocketData;
  cm.onSocketData = function (this: NzcConnectionManager, b: Buffer) {
    lastRead = performance.now();
    originalData.call(this, b);
  };
  const originalConnected = cm.onSocketConnected;
  cm.onSocketConnected = function (this: NzcConnectionManager) {
    // A connect scheduled before close() (the package's spin-delay timer) must not open a
    // session after it.
    if (stopped) {
      if (cm.connectTimeoutHandler) clearTimeout(cm.connectTimeoutHandler);
      cm.socket?.destroy();
      return;
    }
    lastRead = performance.now();
    originalConnected.call(this);
    if (handshakeTimer) clearTimeout(handshakeTimer);
    const socket = cm.socket;
    handshakeTimer = setTimeout(() => {
      if (!stopped && cm.state !== CM_STATE.CONNECTED && cm.socket === socket) socket?.destroy();
    }, handshakeTimeoutMs);
    handshakeTimer.unref();
  };

  const tick = () => {
    if (stopped || cm.state !== CM_STATE.CONNECTED) return;
    const now = performance.now();
    if (now - lastRead > silenceLimitMs) {
      // Looked at again after this turn's reads: an event loop that was blocked runs its timers
      // before it reads what arrived meanwhile, and a reply waiting unread is no silence.
      setImmediate(() => {
        const silent = performance.now() - lastRead > silenceLimitMs;
        if (silent && !stopped && cm.state === CM_STATE.CONNECTED) cm.socket?.destroy();
      });
      return;
    }
    // The package numbers each request it writes (pings and auth excepted): a new xid since the
    // last tick means something left.
    if (cm.xid !== lastXid) {
      lastXid = cm.xid;
      lastSent = now;
    } else if (now - lastSent >= pingAfterMs) {
      lastSent = now;
      cm.queue(pingRequest());
    }
  };

  return {
    connected(negotiatedTimeoutMs) {
      if (handshakeTimer) clearTimeout(handshakeTimer);
      lastRead = performance.now();
      lastXid = cm.xid;
      lastSent = performance.now();
      silenceLimitMs = Math.floor((negotiatedTimeoutMs * 2) / 3);
      // Each handshake negotiates anew: a server that grants the same session less (a lower
      // maxSessionTimeout) needs pings at the new pace, or the silence limit drops the
      // connection between two pings.
      const periodMs = Math.max(10, Math.floor(negotiatedTimeoutMs / TICKS_PER_SESSION));
      // Half a tick short of 4, so that the 4th tick after the last write pings even when the
      // timer fires a little early.
      pingAfterMs = (IDLE_TICKS_BEFORE_PING - 0.5) * periodMs;
      if (periodMs !== tickMs) {
        if (timer) clearInterval(timer);
        tickMs = periodMs;
        timer = setInterval(tick, periodMs);
        timer.unref();
      }
    },
    silentMs: () => performance.now() - lastRead,
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (handshakeTimer) clearTimeout(handshakeTimer);
    },
  };
}
