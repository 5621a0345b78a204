// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
export { TestingServer, type TestingServerOptions } from './server.js';
export type { PresetNode } from './preset-nodes.js';
export { TestingCluster, type TestingClusterOptions } from './cluster.js';
export type { ServerTuning } from './server-config.js';
export { FaultProxy } from './fault-proxy.js';
export type {
  DroppedRequest,
  DropOptions,
  RequestMatch,
  RequestOpName,
} from './fault-proxy-match.js';
export { expireSession, type SessionCredentials, type SessionSource } from './expire.js';
export {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  childrenOf,
  serverWatches,
  sessionIdHex,
  type WatchFilter,
} from './leftovers.js';
export { TestRoot } from './test-root.js';
export { compileCuratorProgram, CURATOR_DISCOVERY_JARS, CURATOR_JARS } from './curator-java.js';
export { Timing, timing } from './timing.js';
export { fourLetterWord, serverMode } from './four-letter.js';
export { locateZooKeeper, type LocateOptions, type ZooKeeperInstall } from './locate.js';
export { LeftoverError, ServerStartError, TestingError, ZooKeeperNotFoundError } from './errors.js';
export { WireClient, WireError, type WireConnectOptions } from './wire/wire-client.js';
export type { WireStat } from './wire/jute.js';
