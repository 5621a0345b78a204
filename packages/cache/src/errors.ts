import { ZkRecipesError } from '@zk-recipes/core';

/** Why a config value was refused: its bytes are not JSON, or the schema rejected it. */
export type ConfigInvalidReason = 'json' | 'schema';

/**
 * A config value that is not valid: read from ZooKeeper (the cache keeps its last good value
 * and emits `invalid` with this error) or given to `publish()` / returned by `update()`'s
 * function (rejected before anything is sent). `cause` is JSON.parse's error or the schema's
 * (a ZodError, with its `issues`).
 */
export class ConfigInvalidError extends ZkRecipesError {
  override name = 'ConfigInvalidError';
  constructor(
    path: string,
    readonly reason: ConfigInvalidReason,
    cause: unknown,
  ) {
    super(
      'CONFIG_INVALID',
      reason === 'json'
        ? `the config at ${path} is not JSON`
        : `the config at ${path} does not match its schema`,
      { path, cause },
    );
  }
}

/**
 * A config write (`publish`, `update`) ran out of its `timeoutMs` (ZooKeeper unreachable, or
 * racing writers). A write not yet sent when the time was up is taken back; one already sent
 * may still have been applied.
 */
export class ConfigTimeoutError extends ZkRecipesError {
  override name = 'ConfigTimeoutError';
  constructor(
    readonly operation: 'publish' | 'update',
    path: string,
    readonly timeoutMs: number,
  ) {
    super('CONFIG_TIMEOUT', `${operation} of ${path} did not complete within ${timeoutMs} ms`, {
      path,
    });
  }
}
