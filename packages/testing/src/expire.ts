import net from 'node:net';
import { TestingError } from './errors.js';
import { FrameSplitter, JuteReader, JuteWriter, OpCode } from './wire/jute.js';

/** A session's id and password, as ZooKeeper hands them to a client on connect. */
export interface SessionCredentials {
  sessionId: bigint | Buffer;
  password: Buffer;
}

/**
 * Anything whose session can be expired: plain credentials, an object that exposes them
 * (`sessionCredentials()`), or a node-zookeeper-client `Client` (`getSessionId()` and
 * `getSessionPassword()`).
 */
export type SessionSource =
  | SessionCredentials
  | {
      /** zk-recipes' client: the session's id and password. */
      sessionCredentials(): SessionCredentials;
    }
  | {
      /** node-zookeeper-client's: the session id. */
      getSessionId(): Buffer;
      /** node-zookeeper-client's: the session password. */
      getSessionPassword(): Buffer;
    };

function credentialsOf(source: SessionSource): { id: bigint; password: Buffer } {
  let c: SessionCredentials;
  if ('sessionCredentials' in source) c = source.sessionCredentials();
  else if ('getSessionId' in source) {
    c = { sessionId: source.getSessionId(), password: source.getSessionPassword() };
  } else c = source;
  const id = typeof c.sessionId === 'bigint' ? c.sessionId : c.sessionId.readBigInt64BE(0);
  if (id === 0n) throw new TestingError('NO_SESSION', 'the client has no session yet');
  return { id, password: c.password };
}

type Attempt = 'expired' | 'sent';

/**
 * One connection that presents the session and, in the same write, asks to close it. Sending
 * both at once matters: the moment the server moves the session to this connection it drops
 * the owner's connection, and the owner reconnects at once and takes the session back; a close
 * sent after our handshake would often arrive on a connection the server has already dropped.
 */
function attempt(host: string, port: number, id: bigint, password: Buffer, timeoutMs: number) {
  return new Promise<Attempt>((resolve) => {
    const socket = net.connect({ host, port });
    const splitter = new FrameSplitter();
    let handshake: 'expired' | 'live' | undefined;
    const done = (r: Attempt) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('sent'), timeoutMs);
    socket.on('error', () => undefined);
    socket.on('close', () => done(handshake === 'expired' ? 'expired' : 'sent'));
    socket.on('connect', () => {
      const connect = new JuteWriter().int(0).long(0n).int(30_000).long(id).buffer(password);
      const close = new JuteWriter().int(1).int(OpCode.closeSession);
      socket.write(Buffer.concat([connect.frame(), close.frame()]));
    });
    socket.on('data', (chunk) => {
      for (const frame of splitter.push(chunk)) {
        const r = new JuteReader(frame.subarray(4));
        if (handshake === undefined) {
          r.int();
          handshake = r.int() <= 0 ? 'expired' : 'live';
          if (handshake === 'expired') done('expired');
        } else if (r.int() === 1) {
          done('sent'); // the close was answered
        }
      }
    });
  });
}

/**
 * Ends a live session on the server, the way the ZooKeeper FAQ describes: a second connection
 * that presents the session's id and password, then closes the session. The server deletes the
 * session's ephemeral nodes and drops the original client's connection; that client learns on
 * its next connect that the session has expired. Resolves once a fresh handshake with the same
 * credentials is told the session has expired, so the ephemerals are gone by then.
 *
 * @param target the server (or any ensemble member) to speak to: not a fault proxy that may be
 *   partitioned.
 */
export async function expireSession(
  client: SessionSource,
  target: string | { connectString: string },
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const { id, password } = credentialsOf(client);
  const connectString = typeof target === 'string' ? target : target.connectString;
  const hp = connectString.split('/')[0]!.split(',')[0]!;
  const i = hp.lastIndexOf(':');
  const host = hp.slice(0, i);
  const port = Number(hp.slice(i + 1));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if ((await attempt(host, port, id, password, 1000)) === 'expired') return;
  }
  throw new TestingError(
    'EXPIRE_FAILED',
    `session 0x${BigInt.asUintN(64, id).toString(16)} was still alive after ${options.timeoutMs ?? 10_000} ms`,
  );
}
