/** Base class of every error the testing package throws; `code` is stable. */
export class TestingError extends Error {
  override name = 'TestingError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No ZooKeeper installation was found; the message says how to install one. */
export class ZooKeeperNotFoundError extends TestingError {
  override name = 'ZooKeeperNotFoundError';
  constructor(message: string) {
    super('ZOOKEEPER_NOT_FOUND', message);
  }
}

/** A server did not become ready, or exited while starting. The server's log tail is attached. */
export class ServerStartError extends TestingError {
  override name = 'ServerStartError';
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super('SERVER_START_FAILED', `${message}\n--- server log (tail) ---\n${logTail}`);
  }
}

/** A leftover check found nodes or watches that a test should have removed. */
export class LeftoverError extends TestingError {
  override name = 'LeftoverError';
  constructor(
    message: string,
    readonly leftovers: readonly string[],
  ) {
    super('LEFTOVERS', `${message}:\n  ${leftovers.join('\n  ')}`);
  }
}
