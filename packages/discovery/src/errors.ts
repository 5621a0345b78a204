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
