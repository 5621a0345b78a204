import { ZkRecipesError } from '@zk-recipes/core';

/**
 * A barrier wait ran out of time: the barrier was still set (`waitOnBarrier`), too few members
 * had entered (`enter`: our member node is removed again, we are not in), or others had not
 * left (`leave`). Curator's calls return false here.
 */
export class BarrierTimeoutError extends ZkRecipesError {
  override name = 'BarrierTimeoutError';
  constructor(
    path: string,
    /** Which wait: `wait`, `enter` or `leave`. */
    readonly phase: 'wait' | 'enter' | 'leave',
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
