/**
 * Typed errors. Each condition is one class with a stable `code` (ZooKeeper's code name where
 * the server or connection produced it), the `path` involved when there is one, and the
 * original error as `cause`. Classify with `instanceof` or `code`, never by message text.
 */

/** ZooKeeper's numeric error codes (KeeperException.Code) by name. */
export const ZooKeeperCode = {
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  UNKNOWNSESSION: -12,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;

/** The name of a ZooKeeper error code: `NONODE`, `BADVERSION`, ... */
export type ZooKeeperCodeName = keyof typeof ZooKeeperCode;

const NAME_BY_NUMBER = new Map<number, ZooKeeperCodeName>(
  Object.entries(ZooKeeperCode).map(([k, v]) => [v, k as ZooKeeperCodeName]),
);

/**
 * Every `code` a zk-recipes error carries: ZooKeeper's code names for what a server or the
 * connection reported (`UNKNOWN(<n>)` for a code this library has no name for), and the
 * library's own, each package's listed here so that one switch over `code` sees them all.
 */
export type ErrorCode =
  | ZooKeeperCodeName
  | `UNKNOWN(${number})`
  // core
  | 'INVALID_ARGUMENT'
  | 'CONNECT_TIMEOUT'
  | 'CLIENT_CLOSED'
  | 'SERVER_TOO_OLD'
  | 'DATA_TOO_LARGE'
  | 'RETRIES_EXHAUSTED'
  | 'ILLEGAL_STATE'
  | 'RECIPE_CLOSED'
  | 'ACQUIRE_TIMEOUT'
  | 'SERIALIZATION'
  | 'UPDATE_CONFLICT'
  | 'UPDATE_OUTCOME_UNKNOWN'
  | 'HOLD_UNCONFIRMED'
  | 'FOUR_LETTER_WORD_FAILED'
  | 'CACHE_NOT_READY'
  | 'NODE_CONFLICT'
  | 'DEADLINE_EXPIRED'
  // @zk-recipes/cache
  | 'CONFIG_INVALID'
  | 'CONFIG_TIMEOUT'
  // @zk-recipes/lock
  | 'LEASE_LOST'
  | 'NESTED_ACQUIRE'
  // @zk-recipes/leader
  | 'LEADERSHIP_LOST'
  // @zk-recipes/atomic
  | 'ATOMIC_UPDATE_FAILED'
  | 'ATOMIC_BAD_VALUE'
  | 'ATOMIC_TIMEOUT'
  // @zk-recipes/barrier
  | 'BARRIER_TIMEOUT'
  // @zk-recipes/discovery
  | 'REGISTRATION_TIMEOUT'
  | 'DISCOVERY_TIMEOUT'
  // @zk-recipes/group
  | 'GROUP_TIMEOUT'
  // @zk-recipes/queue
  | 'CORRUPT_ITEM'
  | 'QUEUE_TIMEOUT'
  | 'CLAIM_LOST'
  | 'QUEUE_NODE_VANISHED'
  // @zk-recipes/testing
  | 'ZOOKEEPER_NOT_FOUND'
  | 'SERVER_START_FAILED'
  | 'LEFTOVERS';

/** Base class of every error zk-recipes throws. */
export class ZkRecipesError extends Error {
  override name = 'ZkRecipesError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; path?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.path = options?.path;
  }
  readonly path: string | undefined;
}

/**
 * Makes an error without capturing its stack, for abort reasons made on a hot path (a recipe's
 * close, the end of a leadership): their stack would show only our own signal plumbing, and
 * capturing them was a large share of a closing leader's work before its delete left
 * (bench/leader-failover.mjs). Errors thrown to callers keep their stacks.
 */
export function stacklessError<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** An error a ZooKeeper server (or the connection to it) reported, with its numeric code. */
export class ZooKeeperError extends ZkRecipesError {
  override name = 'ZooKeeperError';
  constructor(
    code: ZooKeeperCodeName | `UNKNOWN(${number})`,
    readonly zkCode: number,
    message: string,
    options?: { cause?: unknown; path?: string },
  ) {
    super(code, message, options);
  }
}

function defineZkError<N extends ZooKeeperCodeName>(codeName: N, className: string) {
  const C = class extends ZooKeeperError {
    static readonly code = codeName;
    constructor(message?: string, options?: { cause?: unknown; path?: string }) {
      const where = options?.path === undefined ? '' : ` (path ${options.path})`;
      super(codeName, ZooKeeperCode[codeName], message ?? `${codeName}${where}`, options);
      this.name = className;
    }
  };
  Object.defineProperty(C, 'name', { value: className });
  return C;
}

/** The node does not exist (`NONODE`). */
export const NoNodeError = defineZkError('NONODE', 'NoNodeError');
/** A node already exists at the path (`NODEEXISTS`). */
export const NodeExistsError = defineZkError('NODEEXISTS', 'NodeExistsError');
/** The node's version is not the one the call gave (`BADVERSION`). */
export const BadVersionError = defineZkError('BADVERSION', 'BadVersionError');
/** The node has children, so it cannot be deleted (`NOTEMPTY`). */
export const NotEmptyError = defineZkError('NOTEMPTY', 'NotEmptyError');
/** The node's ACL does not let this session do that (`NOAUTH`). */
export const NoAuthError = defineZkError('NOAUTH', 'NoAuthError');
/** The server refused the credentials (`AUTHFAILED`); the session is unusable. */
export const AuthFailedError = defineZkError('AUTHFAILED', 'AuthFailedError');
/** The ACL given is not valid (`INVALIDACL`). */
export const InvalidAclError = defineZkError('INVALIDACL', 'InvalidAclError');
/** An ephemeral node cannot have children (`NOCHILDRENFOREPHEMERALS`). */
export const NoChildrenForEphemeralsError = defineZkError(
  'NOCHILDRENFOREPHEMERALS',
  'NoChildrenForEphemeralsError',
);
/** The server refused the request's arguments (`BADARGUMENTS`). */
export const BadArgumentsError = defineZkError('BADARGUMENTS', 'BadArgumentsError');
/** The server does not know the operation (`UNIMPLEMENTED`). */
export const UnimplementedError = defineZkError('UNIMPLEMENTED', 'UnimplementedError');
/** The connection dropped before the reply came: the request may or may not have been applied. */
export const ConnectionLossError = defineZkError('CONNECTIONLOSS', 'ConnectionLossError');
/** The session is gone; everything it held (ephemeral nodes, watches) is gone with it. */
export const SessionExpiredError = defineZkError('SESSIONEXPIRED', 'SessionExpiredError');
/** No reply within the request's deadline: the request may or may not have been applied. */
export const OperationTimeoutError = defineZkError('OPERATIONTIMEOUT', 'OperationTimeoutError');
/** The session moved to another server meanwhile (`SESSIONMOVED`); retryable. */
export const SessionMovedError = defineZkError('SESSIONMOVED', 'SessionMovedError');
/** The path's quota would be exceeded (`QUOTAEXCEEDED`; ZooKeeper 3.7+ enforces quotas). */
export const QuotaExceededError = defineZkError('QUOTAEXCEEDED', 'QuotaExceededError');
/** No such watch to remove (`NOWATCHER`). */
export const NoWatcherError = defineZkError('NOWATCHER', 'NoWatcherError');
/** The server is overloaded and dropped the request (`THROTTLEDOP`). */
export const ThrottledOpError = defineZkError('THROTTLEDOP', 'ThrottledOpError');

const BY_CODE: ReadonlyMap<
  number,
  new (m?: string, o?: { cause?: unknown; path?: string }) => ZooKeeperError
> = new Map(
  [
    NoNodeError,
    NodeExistsError,
    BadVersionError,
    NotEmptyError,
    NoAuthError,
    AuthFailedError,
    InvalidAclError,
    NoChildrenForEphemeralsError,
    BadArgumentsError,
    UnimplementedError,
    ConnectionLossError,
    SessionExpiredError,
    OperationTimeoutError,
    SessionMovedError,
    QuotaExceededError,
    NoWatcherError,
    ThrottledOpError,
  ].map((C) => [ZooKeeperCode[C.code], C]),
);

/**
 * The typed error for a numeric ZooKeeper code. Codes this library has no class for (a newer
 * server's) still become a {@link ZooKeeperError} whose `code` is `UNKNOWN(<n>)`: they never
 * crash the process (docs/low-level-client.md, "Unknown error codes").
 */
export function errorFromCode(zkCode: number, path?: string, cause?: unknown): ZooKeeperError {
  const C = BY_CODE.get(zkCode);
  if (C) return new C(undefined, { path, cause });
  const name = NAME_BY_NUMBER.get(zkCode) ?? (`UNKNOWN(${zkCode})` as const);
  const where = path === undefined ? '' : ` (path ${path})`;
  return new ZooKeeperError(name, zkCode, `${name}${where}`, { path, cause });
}

/** An argument or option was invalid; nothing was sent. `field` names it. */
export class InvalidArgumentError extends ZkRecipesError {
  override name = 'InvalidArgumentError';
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown; path?: string },
  ) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/**
 * The client could not connect within its start timeout (or a blockUntilConnected's). `cause`
 * is the last socket error seen meanwhile (ECONNREFUSED, ENOTFOUND, ...), when there was one.
 */
export class ConnectTimeoutError extends ZkRecipesError {
  override name = 'ConnectTimeoutError';
  constructor(
    readonly connectString: string,
    timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    const last = options?.cause instanceof Error ? ` (last error: ${options.cause.message})` : '';
    super(
      'CONNECT_TIMEOUT',
      `no ZooKeeper server at ${connectString} answered within ${timeoutMs} ms${last}`,
      options,
    );
  }
}

/** The client is closed (or closing); nothing more can be sent through it. */
export class ClientClosedError extends ZkRecipesError {
  override name = 'ClientClosedError';
  constructor() {
    super('CLIENT_CLOSED', 'the client is closed');
  }
}

/** Retryable: the request may succeed if repeated (connection loss, timeout, session moved). */
export function isRetryable(e: unknown): boolean {
  return (
    e instanceof ConnectionLossError ||
    e instanceof OperationTimeoutError ||
    e instanceof SessionMovedError
  );
}

/** The server is too old for the operation (e.g. addWatch needs 3.6). Nothing was sent. */
export class ServerTooOldError extends ZkRecipesError {
  override name = 'ServerTooOldError';
  constructor(
    readonly operation: string,
    readonly required: string,
    readonly serverVersion: string,
  ) {
    super(
      'SERVER_TOO_OLD',
      `${operation} needs ZooKeeper ${required} or newer; the server is ${serverVersion}`,
    );
  }
}

/**
 * A write whose request would exceed the server's packet limit (jute.maxbuffer). Nothing was
 * sent. `bytes` is the request's size as the client reckons it (`dataBytes` of data, the path,
 * and `overheadBytes` kept for headers and ACLs); `maxPacketBytes` the limit it exceeds.
 */
export class DataTooLargeError extends ZkRecipesError {
  override name = 'DataTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxPacketBytes: number,
    path: string,
    readonly dataBytes: number,
    readonly overheadBytes: number,
  ) {
    super(
      'DATA_TOO_LARGE',
      `a request of ${bytes} bytes to ${path} (${dataBytes} bytes of data, ` +
        `${bytes - dataBytes - overheadBytes} of path, ${overheadBytes} kept for headers and ACLs) ` +
        `exceeds the packet limit of ${maxPacketBytes} bytes (maxPacketBytes, the server's jute.maxbuffer)`,
      { path },
    );
  }
}
