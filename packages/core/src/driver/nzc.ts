/**
 * The one module that loads node-zookeeper-client (pinned exactly at 1.1.3: everything below
 * leans on its internals; line numbers are the 1.1.3 tarball's, and docs/low-level-client.md
 * lists its defects). It declares the few internals we touch and installs the process-wide
 * patch; per-connection patches live in ./patches.ts.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** node-zookeeper-client's Exception (an Error at runtime, whatever its typings say). */
export interface NzcException extends Error {
  code: number;
  name: string;
  path?: string;
}

export interface NzcStat {
  czxid: Buffer;
  mzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
  pzxid: Buffer;
}

export interface NzcAcl {
  permission: number;
  id: { scheme: string; id: string };
  toRecord(): unknown;
}

/** A notification as the package's WatcherEvent record has it (chroot stripped). */
export interface NzcEvent {
  type: number;
  path: string;
  state?: number;
}

/** What the package's ConnectionManager asks of its `watcherManager` (./watchers.ts is ours). */
export interface NzcWatcherTable {
  emit(e: NzcEvent): void;
  isEmpty(): boolean;
  getDataWatcherPaths(): string[];
  getExistenceWatcherPaths(): string[];
  getChildWatcherPaths(): string[];
}

type Cb<T> = (err: NzcException | null, value: T, extra?: unknown) => void;

export interface JuteRecord {
  chrootPath?: string;
  setChrootPath(p: string | undefined): void;
  byteLength(): number;
  [field: string]: unknown;
}

export interface JuteRequest {
  header: { xid: number; type: number } | null;
  payload: JuteRecord | null;
  toBuffer: (this: JuteRequest) => Buffer;
}

export interface Packet {
  request: JuteRequest;
  callback?: (err: NzcException | null, response?: unknown) => void;
}

export interface NzcConnectionManager {
  state: number;
  xid: number;
  socket?: import('node:net').Socket;
  connectTimeoutHandler: NodeJS.Timeout | null;
  credentials: { scheme: string; auth: Buffer }[];
  packetQueue: { queue: Packet[]; prependListener(ev: 'readable', l: () => void): void };
  pendingQueue: Packet[];
  /** The last zxid seen, 8 bytes: sent in the next handshake and SetWatches. */
  zxid: Buffer;
  chrootPath?: string;
  /** Replaced by core's table on creation (./watchers.ts). */
  watcherManager: NzcWatcherTable;
  connect: () => void;
  /** Milliseconds a TCP connect may take (the session timeout shared among the servers). */
  connectTimeout: number;
  setState(state: number): void;
  /** Calls back with the next server to try, after a spin delay once every server was tried. */
  findNextServer(cb: (server: { host: string; port: number }) => void): void;
  onSocketConnectTimeout: (this: NzcConnectionManager) => void;
  onSocketDrain: (this: NzcConnectionManager) => void;
  onSocketClosed: (this: NzcConnectionManager, hadError: boolean) => void;
  onSocketConnected: (this: NzcConnectionManager) => void;
  onSocketData: (this: NzcConnectionManager, b: Buffer) => void;
  onSocketError: (this: NzcConnectionManager, err: Error) => void;
  queue(req: JuteRequest, cb?: (err: NzcException | null, resp?: unknown) => void): void;
  on(ev: 'state', l: (s: number) => void): void;
}

export interface NzcClient {
  connectionManager: NzcConnectionManager;
  connect(): void;
  close(): void;
  on(ev: 'state', l: (s: { name: string; code: number }) => void): void;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  getSessionTimeout(): number;
  addAuthInfo(scheme: string, auth: Buffer): void;
  create(path: string, data: Buffer | null, acls: NzcAcl[], mode: number, cb: Cb<string>): void;
  remove(path: string, version: number, cb: (err: NzcException | null) => void): void;
  exists(path: string, watcher: ((e: NzcEvent) => void) | undefined, cb: Cb<NzcStat | null>): void;
  getData(
    path: string,
    watcher: ((e: NzcEvent) => void) | undefined,
    cb: (err: NzcException | null, data: Buffer | undefined, stat: NzcStat) => void,
  ): void;
  setData(path: string, data: Buffer, version: number, cb: Cb<NzcStat>): void;
  getChildren(
    path: string,
    watcher: ((e: NzcEvent) => void) | undefined,
    cb: (err: NzcException | null, children: string[], stat: NzcStat) => void,
  ): void;
  getACL(path: string, cb: (err: NzcException | null, acls: NzcAcl[], stat: NzcStat) => void): void;
  setACL(path: string, acls: NzcAcl[], version: number, cb: Cb<NzcStat>): void;
}

interface NzcModule {
  createClient(
    connectString: string,
    options: { sessionTimeout: number; spinDelay: number; retries: number },
  ): NzcClient;
  ACL: new (permission: number, id: unknown) => NzcAcl;
  Id: new (scheme: string, id: string) => { scheme: string; id: string };
}

interface ExceptionModule {
  create: (code: number, path?: string) => NzcException;
  SYSTEM_ERROR: number;
}

export interface JuteModule {
  Request: { new (header: unknown, payload: unknown): JuteRequest; prototype: JuteRequest };
  protocol: Record<string, new (...args: unknown[]) => JuteRecord>;
}

export const nzc = require('node-zookeeper-client') as NzcModule;
export const jute = require('node-zookeeper-client/lib/jute/index.js') as JuteModule;
const exceptionModule = require('node-zookeeper-client/lib/Exception.js') as ExceptionModule;

/**
 * The package's exception for a server error code (its table, with unknown codes patched in),
 * without a stack: made where a reply is read, its stack would show only the socket's frames,
 * and capturing one was the largest single cost of an expected NONODE (a contender's getData on
 * a node ahead that was already gone), bench/RESULTS.md, issue 20. Core's caller-facing error
 * is made from its code (./raw-session.ts toError).
 */
export function zkException(code: number): NzcException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return exceptionModule.create(code);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** node-zookeeper-client's internal connection states (ConnectionManager.js STATES). */
export const CM_STATE = {
  DISCONNECTED: 0,
  CONNECTING: 1,
  CONNECTED: 2,
  CLOSING: -1,
  CLOSED: -2,
  SESSION_EXPIRED: -3,
  AUTHENTICATION_FAILED: -4,
} as const;

/**
 * Unknown server error codes: `Exception.create` throws for any code outside its table of 20, and
 * it is called inside the socket data handler, so a newer server's code (QUOTAEXCEEDED,
 * THROTTLEDOP, ...) crashes the host process (docs/low-level-client.md, "Unknown error codes").
 * ConnectionManager and Transaction look `Exception.create` up at call time, so replacing the
 * property suffices: an unknown code becomes an exception that carries the real code to our
 * callback.
 */
function installUnknownCodePatch(): void {
  const original = exceptionModule.create;
  if ((original as { zkRecipesPatched?: boolean }).zkRecipesPatched) return;
  const patched = (code: number, path?: string): NzcException => {
    try {
      return original(code, path);
    } catch {
      const e = original(exceptionModule.SYSTEM_ERROR, path);
      e.code = code;
      e.name = `UNKNOWN(${code})`;
      e.message = `Exception: UNKNOWN(${code})[${code}]`;
      return e;
    }
  };
  (patched as { zkRecipesPatched?: boolean }).zkRecipesPatched = true;
  exceptionModule.create = patched;
}

installUnknownCodePatch();
