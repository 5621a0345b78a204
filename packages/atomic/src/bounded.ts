import { Deadline, type WaitOptions } from '@zk-recipes/core/recipe';
import { AtomicTimeoutError } from './errors.js';

/**
 * Runs a counter's or shared value's call under its deadline (the kit's Deadline.run): its
 * requests end at `timeoutMs` too, and the call then rejects with AtomicTimeoutError (ADR 0031).
 */
export function bounded<R>(
  operation: string,
  path: string,
  options: WaitOptions,
  call: (deadline: Deadline) => Promise<R>,
): Promise<R> {
  return Deadline.run(options, (ms) => new AtomicTimeoutError(operation, path, ms), call);
}
