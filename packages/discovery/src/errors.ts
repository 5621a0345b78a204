import { ZkRecipesError } from '@zk-recipes/core';

/**
 * A first registration was not in place within its `timeoutMs` (ZooKeeper unreachable, slow).
 * Nothing was left behind: the registration is not kept, and a node its create may have made is
 * deleted by the client's background job once connected.
 */
export class RegistrationTimeoutError extends ZkRecipesError {
  override name = 'RegistrationTimeoutError';
  constructor(
    path: string,
    readonly timeoutMs: number,
  ) {
    super('REGISTRATION_TIMEOUT', `${path} was not registered within ${timeoutMs} ms`, { path });
  }
}

/** A discovery call that takes `{ signal, timeoutMs }` (a first `register` has its own error). */
export type DiscoveryOperation =
  'register' | 'update' | 'unregister' | 'names' | 'instances' | 'instance';

/**
 * A discovery call ran out of its `timeoutMs` (ZooKeeper unreachable, slow): `instances`,
 * `names`, `instance`, or a write to a registration already in place. A request not yet sent
 * when the time was up is taken back; a write already sent may still have been applied.
 */
export class DiscoveryTimeoutError extends ZkRecipesError {
  override name = 'DiscoveryTimeoutError';
  constructor(
    readonly operation: DiscoveryOperation,
    /** The discovery's base path. */
    path: string,
    readonly timeoutMs: number,
  ) {
    super(
      'DISCOVERY_TIMEOUT',
      `${operation} under ${path} did not complete within ${timeoutMs} ms`,
      {
        path,
      },
    );
  }
}
