import { ZkRecipesError } from '@zk-recipes/core';

/**
 * A barrier call ran out of time: the barrier was still set (`waitOnBarrier`), too few members
 * had entered (`enter`: our member node is removed again, we are not in), others had not left
 * (`leave`), or ZooKeeper did not answer `set`, `remove` or `isSet` in time (a create or delete
 * already sent may still be applied). Curator's waits return false here.
 */
export class BarrierTimeoutError extends ZkRecipesError {
  override name = 'BarrierTimeoutError';
  constructor(
    path: string,
    /** Which call: `wait`, `enter`, `leave`, `set`, `remove` or `isSet`. */
    readonly phase: 'wait' | 'enter' | 'leave' | 'set' | 'remove' | 'isSet',
    readonly timeoutMs: number,
  ) {
    super(
      'BARRIER_TIMEOUT',
      `${phase} of the barrier ${path} did not complete within ${timeoutMs} ms`,
      {
        path,
      },
    );
  }
}
