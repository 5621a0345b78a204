// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
export {
  createClient,
  ZkClient,
  type CallOptions,
  type CreateOptions,
  type CreateResult,
  type DeleteOptions,
  type MultiOp,
  type MultiResult,
  type PersistentWatch,
  type ReadOp,
  type ReadResult,
} from './client.js';
export {
  exponentialBackoff,
  noRetry,
  retryForever,
  retryNTimes,
  retryOnce,
  retryUntilElapsed,
  RetriesExhaustedError,
  withRetry,
  type RetryPolicy,
} from './framework/retry.js';
export { digestAcl, digestId, type AclProvider } from './framework/acl.js';
export { channels, type ChannelName } from './framework/observability.js';
export {
  IllegalStateError,
  RecipeClosedError,
  type LifecycleState,
} from './framework/lifecycle.js';
export { AcquireTimeoutError, type ContendOptions, type HeldNode } from './framework/contender.js';
export {
  bytesSerializer,
  jsonSerializer,
  SerializationError,
  stringSerializer,
  zodSerializer,
  type ZodLikeSchema,
  type Serializer,
} from './kit/serializer.js';
export { HoldUnconfirmedError } from './kit/hold.js';
export type {
  PersistentWatchEvent,
  PersistentWatchEventType,
  PersistentWatchListener,
  PersistentWatchMode,
} from './persistent-watches.js';
export type { SessionInfo } from './connection.js';
export { fourLetterWord, FourLetterWordError, type FourLetterWordAnswer } from './four-letter.js';
export type { ClientOptions, Logger } from './options.js';
export {
  joinPath,
  nodeName,
  parentPath,
  parseSequence,
  sortBySequence,
  splitPath,
  validatePath,
} from './paths.js';
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
  DataTooLargeError,
  ConnectionLossError,
  ConnectTimeoutError,
  errorFromCode,
  type ErrorCode,
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
