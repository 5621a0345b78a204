import net from 'node:net';
import { FrameSplitter, JuteReader, JuteWriter, OpCode, readStat, type WireStat } from './jute.js';

/** ZooKeeper's error code for "no node", "node exists" and "not empty" (KeeperException.Code). */
export const WireErrorCode = {
  NONODE: -101,
  NOAUTH: -102,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
} as const;

/** A request that the server answered with a non-zero error code. */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: number,
    readonly path: string | undefined,
    readonly op: string,
  ) {
    super(`ZooKeeper answered ${op}${path === undefined ? '' : ` ${path}`} with error ${code}`);
  }
}

/** Options of {@link WireClient.connect}. */
export interface WireConnectOptions {
  /** `host:port[,host:port...]`; the first server that accepts is used. No chroot. */
  connectString: string;
  /** Resume this session instead of creating one. */
  sessionId?: bigint;
  password?: Buffer;
  sessionTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const OPEN_ACL_UNSAFE = { perms: 31, scheme: 'world', id: 'anyone' };

interface Pending {
  op: string;
  path: string | undefined;
  resolve: (r: JuteReader) => void;
  reject: (e: Error) => void;
}

/**
 * A deliberately small ZooKeeper client for test helpers: one connection, no reconnect, no
 * watches. It is not part of the product's client stack; see `@zk-recipes/core` for that.
 */
export class WireClient {
  private xid = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly splitter = new FrameSplitter();
  private handshake: ((r: JuteReader) => void) | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private closedError: Error | undefined;
  sessionId = 0n;
  password: Buffer = Buffer.alloc(16);
  negotiatedTimeoutMs = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const frame of this.splitter.push(chunk))
        this.onFrame(new JuteReader(frame.subarray(4)));
    });
    socket.on('close', () => this.fail(new Error('connection closed')));
    socket.on('error', (e) => this.fail(e));
  }

  /** Opens a session and resolves once the server accepted it. */
  static async connect(opts: WireConnectOptions): Promise<WireClient> {
    const hosts = opts.connectString.split('/')[0]!.split(',');
    let last: unknown;
    for (const hp of hosts) {
      const i = hp.lastIndexOf(':');
      const host = hp.slice(0, i);
      const port = Number(hp.slice(i + 1));
      try {
        return await WireClient.connectOne(host, port, opts);
      } catch (e) {
        last = e;
      }
    }
    throw new Error(`no ZooKeeper server answered at ${opts.connectString}`, { cause: last });
  }

  private static connectOne(host: string, port: number, opts: WireConnectOptions) {
    return new Promise<WireClient>((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, opts.connectTimeoutMs ?? 5000);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        const client = new WireClient(socket);
        client.handshake = (r) => {
          clearTimeout(timer);
          r.int(); // protocol version
          client.negotiatedTimeoutMs = r.int();
          client.sessionId = r.long();
          client.password = r.buffer() ?? Buffer.alloc(16);
          if (client.negotiatedTimeoutMs <= 0) {
            socket.destroy();
            reject(new Error('session expired'));
            return;
          }
          // Keep the session alive while a test helper holds it.
          client.pinger = setInterval(() => client.ping(), client.negotiatedTimeoutMs / 3);
          client.pinger.unref();
          resolve(client);
        };
        socket.write(
          new JuteWriter()
            .int(0)
            .long(0n)
            .int(opts.sessionTimeoutMs ?? 30000)
            .long(opts.sessionId ?? 0n)
            .buffer(opts.password ?? Buffer.alloc(16))
            .frame(),
        );
      });
    });
  }

  private onFrame(r: JuteReader): void {
    const hs = this.handshake;
    if (hs) {
      this.handshake = undefined;
      hs(r);
      return;
    }
    const xid = r.int();
    r.long(); // zxid
    const err = r.int();
    const p = this.pending.get(xid);
    if (!p) return; // pings (-2) and notifications (-1)
    this.pending.delete(xid);
    if (err !== 0) p.reject(new WireError(err, p.path, p.op));
    else p.resolve(r);
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    if (this.pinger) clearInterval(this.pinger);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private ping(): void {
    if (!this.closedError) this.socket.write(new JuteWriter().int(-2).int(OpCode.ping).frame());
  }

  private call(
    op: keyof typeof OpCode,
    path: string | undefined,
    body: (w: JuteWriter) => void,
  ): Promise<JuteReader> {
    if (this.closedError) return Promise.reject(this.closedError);
    const xid = this.xid++;
    const w = new JuteWriter().int(xid).int(OpCode[op]);
    body(w);
    return new Promise((resolve, reject) => {
      this.pending.set(xid, { op, path, resolve, reject });
      this.socket.write(w.frame());
    });
  }

  /** Creates a node; `flags` as on the wire (1 ephemeral, 2 sequential); resolves with its path. */
  async create(path: string, data: Buffer | null = null, flags = 0): Promise<string> {
    const r = await this.call('create', path, (w) => {
      w.ustring(path).buffer(data).int(1);
      w.int(OPEN_ACL_UNSAFE.perms).ustring(OPEN_ACL_UNSAFE.scheme).ustring(OPEN_ACL_UNSAFE.id);
      w.int(flags);
    });
    return r.ustring() ?? path;
  }

  /** Deletes a node at `version` (-1: any). */
  async delete(path: string, version = -1): Promise<void> {
    await this.call('delete', path, (w) => w.ustring(path).int(version));
  }

  /** The node's Stat, or null when it does not exist. */
  async exists(path: string): Promise<WireStat | null> {
    try {
      return readStat(await this.call('exists', path, (w) => w.ustring(path).bool(false)));
    } catch (e) {
      if (e instanceof WireError && e.code === WireErrorCode.NONODE) return null;
      throw e;
    }
  }

  /** The node's data and Stat. */
  async getData(path: string): Promise<{ data: Buffer | null; stat: WireStat }> {
    const r = await this.call('getData', path, (w) => w.ustring(path).bool(false));
    const data = r.buffer();
    return { data: data && Buffer.from(data), stat: readStat(r) };
  }

  /** The names of the node's children. */
  async getChildren(path: string): Promise<string[]> {
    const r = await this.call('getChildren', path, (w) => w.ustring(path).bool(false));
    const n = r.int();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(r.ustring() ?? '');
    return out;
  }

  /** Deletes `path` and everything under it; a missing node is not an error. */
  async deleteRecursive(path: string): Promise<void> {
    let children: string[];
    try {
      children = await this.getChildren(path);
    } catch (e) {
      if (e instanceof WireError && e.code === WireErrorCode.NONODE) return;
      // A node whose ACL denies us READ cannot be listed, but deleting it needs only the
      // parent's DELETE permission: try it as a leaf.
      if (!(e instanceof WireError && e.code === WireErrorCode.NOAUTH)) throw e;
      children = [];
    }
    for (const c of children) await this.deleteRecursive(path === '/' ? `/${c}` : `${path}/${c}`);
    if (path === '/' || path === '/zookeeper') return;
    try {
      await this.delete(path);
    } catch (e) {
      // NOTEMPTY: an ephemeral child of a live session appeared meanwhile; go round once more.
      if (e instanceof WireError && e.code === WireErrorCode.NOTEMPTY)
        return this.deleteRecursive(path);
      if (!(e instanceof WireError && e.code === WireErrorCode.NONODE)) throw e;
    }
  }

  /** Every path under `path` (not including it), depth first. */
  async listTree(path: string): Promise<string[]> {
    let children: string[];
    try {
      children = await this.getChildren(path);
    } catch (e) {
      if (e instanceof WireError && e.code === WireErrorCode.NONODE) return [];
      throw e;
    }
    const out: string[] = [];
    for (const c of children.sort()) {
      const p = path === '/' ? `/${c}` : `${path}/${c}`;
      out.push(p, ...(await this.listTree(p)));
    }
    return out;
  }

  /** Ends the session on the server (its ephemeral nodes go) and closes the connection. */
  async closeSession(): Promise<void> {
    const reply = this.call('closeSession', undefined, () => undefined);
    try {
      await reply;
    } catch (e) {
      // The server closes every connection of a session it has closed, sometimes before the
      // reply is flushed: a close after the request was sent means the session is gone.
      if (!(e instanceof Error && e.message === 'connection closed')) throw e;
    } finally {
      this.socket.destroy();
    }
  }

  /** Closes the connection without ending the session. */
  disconnect(): void {
    this.socket.destroy();
  }
}
