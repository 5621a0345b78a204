/**
 * ZooKeeper's opcodes (ZooDefs.OpCode): core's one table. The requests core writes, the
 * disguises in ./requests.ts, multi's operation types and the reconnect queue's checks all read
 * it. (@zk-recipes/testing keeps its own copy in its wire client: it may not import core.)
 */
export const OpCode = {
  /** A failed multi's result records. */
  error: -1,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  removeWatches: 18,
  createContainer: 19,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  addWatch: 106,
} as const;
