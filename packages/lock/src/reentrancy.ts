/**
 * Optional re-entrancy (docs/adr/0007): while the callback of a re-entrant Mutex's withLock
 * runs, its async context (AsyncLocalStorage) carries the lease held there, and a nested
 * acquire of the same client and path in that context gets a lease on the same node at once.
 *
 * Only a callback can carry this. The code after `await mutex.acquire()` resumes in the context
 * its caller had when it called, which it shares with every sibling started from that caller:
 * a lease recorded there would look held to unrelated concurrent chains too. And only
 * re-entrant mutexes touch the AsyncLocalStorage, so that no one else pays for its promise
 * hooks.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { HeldLock } from './held-lock.js';
import { leaseOf, type Lease } from './lease.js';
import type { LocalLine } from './local-line.js';

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
  const lease = leaseOf(path, nodePath, fencingToken, signal, () => {
    stopRevoke?.();
    return Promise.resolve();
  });
  if (onRevoke) stopRevoke = outer.node.onRevoke(() => onRevoke(lease));
  return lease;
}
