/** The scoped form every lock kind offers: hold while `fn` runs, release whatever happens. */
import { InvalidArgumentError } from '@zk-recipes/core';

/** Something held that `release()` gives up (idempotent, never throws). */
export interface Releasable {
  release(): Promise<void>;
}

/**
 * Checks `fn` before anything is acquired, then runs it while holding what `acquire` gives,
 * and releases that whatever `fn` does (a throw, a rejection).
 */
export async function holding<L extends Releasable, T>(
  acquire: () => Promise<L>,
  fn: (held: L) => Promise<T> | T,
): Promise<T> {
  if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'fn must be a function');
  const held = await acquire();
  try {
    return await fn(held);
  } finally {
    await held.release();
  }
}
