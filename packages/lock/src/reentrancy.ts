/**
 * Optional re-entrancy (docs/adr/0007): while the callback of a Mutex's withLock runs, its
 * async context (AsyncLocalStorage) carries the lease held there. A nested acquire of the same
 * client and path in that context gets a lease on the same node at once when the mutex is
 * re-entrant, and NestedAcquireError when it is not (it would wait for a lease its own chain
 * holds: for ever).
 *
 * Only a callback can carry this. The code after `await mutex.acquire()` resumes in the context
 * its caller had when it called, which it shares with every sibling started from that caller:
 * a lease recorded there would look held to unrelated concurrent chains too. Only withLock
 * touches the AsyncLocalStorage (a bare acquire and release never do), and a non-re-entrant
 * acquire reads it only when it would wait on its local line, so that the uncontended path
 * pays nothing for it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ZkRecipesError } from '@zk-recipes/core';
import type { HeldLock } from './held-lock.js';
import { leaseOf, type Lease } from './lease.js';
import type { LocalLine } from './local-line.js';

/**
 * A non-re-entrant Mutex was acquired again inside the callback of its own withLock (the same
 * client and path, in that callback's async context) while that callback's lease is held: the
 * acquire would wait for its own chain's lease, for ever. Use `reentrant: true`, or acquire it
 * outside the callback.
 */
export class NestedAcquireError extends ZkRecipesError {
  override name = 'NestedAcquireError';
  constructor(path: string) {
    super(
      'NESTED_ACQUIRE',
      `the lock ${path} is already held by this withLock callback, and the Mutex is not ` +
        're-entrant: this acquire would wait for ever (create the Mutex with `reentrant: true` ' +
        'to re-enter it)',
      { path },
    );
  }
}

/** A lease held in an async scope, with the node it holds. */
export interface Scoped {
  readonly lease: Lease;
  readonly node: HeldLock;
}

const scope = new AsyncLocalStorage<ReadonlyMap<LocalLine<HeldLock>, Scoped>>();

/** The unreleased lease this async context holds on `line`, if any. */
export function heldInScope(line: LocalLine<HeldLock>): Scoped | undefined {
  const held = scope.getStore()?.get(line);
  return held && !held.lease.released ? held : undefined;
}

/** Runs `fn` in an async context that holds `held` on `line`. */
export function runInScope<T>(line: LocalLine<HeldLock>, held: Scoped, fn: () => T): T {
  const next = new Map(scope.getStore());
  next.set(line, held);
  return scope.run(next, fn);
}

/**
 * A nested lease on the outer lease's node: same node, same fencing token (the same grant);
 * its signal aborts with the outer one's or on its own release; its release leaves the node
 * alone (the outer lease's release frees it).
 */
export function nestedLease(outer: Scoped, onRevoke?: (lease: Lease) => void): Lease {
  let stopRevoke: (() => void) | undefined;
  const { path, nodePath, fencingToken, signal } = outer.lease;
  const lease = leaseOf(outer.node.client, path, nodePath, fencingToken, signal, () => {
    stopRevoke?.();
    return Promise.resolve();
  });
  if (onRevoke) stopRevoke = outer.node.onRevoke(() => onRevoke(lease));
  return lease;
}
