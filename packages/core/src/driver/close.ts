/**
 * Closing a package client within a bound. Its close() waits for the server's reply in CLOSING
 * with the socket open (docs/low-level-client.md, "close()"), keeps reconnecting if the socket drops meanwhile,
 * and leaves its per-attempt connect timer running.
 */
import { CM_STATE, type NzcClient } from './nzc.js';

/** Closes the session (its ephemerals go at once) and the connection, within `graceMs`. */
export async function closeWithin(client: NzcClient, graceMs: number): Promise<void> {
  const cm = client.connectionManager;
  const done = () =>
    cm.state === CM_STATE.CLOSED ||
    cm.state === CM_STATE.SESSION_EXPIRED ||
    cm.state === CM_STATE.AUTHENTICATION_FAILED;
  if (!done()) {
    const wasConnected = cm.state === CM_STATE.CONNECTED;
    client.close();
    if (wasConnected) {
      const deadline = Date.now() + graceMs;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    }
  }
  // Whatever state it is in, no socket and no reconnect loop may outlive close(): in CLOSING
  // the package's socket-close handler does not reconnect (ConnectionManager.js onSocketClosed).
  if (!done()) cm.state = CM_STATE.CLOSING;
  cm.connect = () => undefined;
  // The package's per-attempt connect timer is not cleared by destroy(): it would hold the
  // process for up to sessionTimeout / servers after close.
  if (cm.connectTimeoutHandler) clearTimeout(cm.connectTimeoutHandler);
  cm.socket?.destroy();
}
