/** A znode's metadata. zxids are `bigint`; times are epoch milliseconds. */
export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  /** The owning session of an ephemeral node; 0n otherwise. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

/** The kind of node a create makes: persistent or ephemeral, sequential or not, a container, or persistent with a TTL. */
export type CreateMode =
  | 'PERSISTENT'
  | 'EPHEMERAL'
  | 'PERSISTENT_SEQUENTIAL'
  | 'EPHEMERAL_SEQUENTIAL'
  | 'CONTAINER'
  | 'PERSISTENT_WITH_TTL'
  | 'PERSISTENT_SEQUENTIAL_WITH_TTL';

/** ZooKeeper's create flags for each mode. */
export const CREATE_FLAGS: Record<CreateMode, number> = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
};

/** Permission bits (ZooDefs.Perms). */
export const Perms = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

/** One ACL entry: `perms` (a {@link Perms} bit set) for the identity `id` under `scheme` (`world`, `digest`, `ip`, `auth`, ...). */
export interface Acl {
  perms: number;
  scheme: string;
  id: string;
}

/** world:anyone with every permission (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
export const OPEN_ACL_UNSAFE: readonly Acl[] = [
  { perms: Perms.ALL, scheme: 'world', id: 'anyone' },
];

/** What a one-shot watch heard: a change of the node or its children, or that it will hear nothing (`SessionLost`, `WatchRemoved`). */
export type WatchEventType =
  | 'NodeCreated'
  | 'NodeDeleted'
  | 'NodeDataChanged'
  | 'NodeChildrenChanged'
  /** The session died before the watch fired: it never will. */
  | 'SessionLost'
  /** removeWatches() removed the watch before it fired. */
  | 'WatchRemoved';

/** The event a one-shot watch fires with, once. */
export interface WatchEvent {
  type: WatchEventType;
  path: string;
}

/** A one-shot watch: called once, with the event or with `SessionLost` / `WatchRemoved`. */
export type Watcher = (event: WatchEvent) => void;

/** Options every request accepts. */
export interface RequestOptions {
  /**
   * Deadline for this request's reply, in ms (> 0); default: the client's `requestTimeoutMs`.
   * Not a wait's `timeoutMs`: a recipe's blocking call (acquire, awaitLeadership) takes that,
   * where 0 means try once.
   */
  requestTimeoutMs?: number;
}
