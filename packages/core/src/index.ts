export {
  createClient,
  ZkClient,
  type CreateOptions,
  type CreateResult,
  type MultiOp,
  type MultiResult,
  type PersistentWatch,
} from './client.js';
export type {
  PersistentWatchEvent,
  PersistentWatchEventType,
  PersistentWatchListener,
  PersistentWatchMode,
} from './persistent-watches.js';
export type { SessionInfo } from './connection.js';
export type { ClientOptions, Logger } from './options.js';
export { validatePath } from './paths.js';
export {
  isHoldingLost,
  type ConnectionState,
  type ErrorPolicy,
  type StateChange,
  type StateListener,
} from './states.js';
export {
  OPEN_ACL_UNSAFE,
  Perms,
  type Acl,
  type CreateMode,
  type RequestOptions,
  type Stat,
  type WatchEvent,
  type WatchEventType,
  type Watcher,
} from './types.js';
export {
  AuthFailedError,
  BadArgumentsError,
  BadVersionError,
  ClientClosedError,
  ConnectionLossError,
  ConnectTimeoutError,
  errorFromCode,
  InvalidAclError,
  InvalidArgumentError,
  isRetryable,
  NoAuthError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  NoWatcherError,
  OperationTimeoutError,
  QuotaExceededError,
  SessionExpiredError,
  SessionMovedError,
  ServerTooOldError,
  ThrottledOpError,
  UnimplementedError,
  ZkRecipesError,
  ZooKeeperCode,
  ZooKeeperError,
  type ZooKeeperCodeName,
} from './errors.js';
