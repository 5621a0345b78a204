/**
 * The queue's input checks, made before anything is sent (the project's rule: bad input is a
 * typed error, never a bare TypeError or a queue that silently never hands anything out).
 */
import { InvalidArgumentError, validatePath, type ZkClient } from '@zk-recipes/core';
import { Deadline, type WaitOptions } from '@zk-recipes/core/recipe';
import { QueueTimeoutError, type QueueOperation } from './errors.js';

/** Refuses what cannot be a client (`null`, a plain object): it would fail at the first call. */
export function checkClient(client: unknown): void {
  const c = client as Partial<ZkClient> | null | undefined;
  if (typeof c !== 'object' || c === null || typeof c.getChildren !== 'function') {
    throw new InvalidArgumentError('client', 'client must be a ZkClient (createClient())');
  }
}

/** `a` is `b` or lies under it. */
const within = (a: string, b: string) => a === b || a.startsWith(b === '/' ? b : `${b}/`);

/**
 * Checks the queue's paths: each a valid znode path (core's validatePath: no trailing `/`,
 * ...), and apart where sharing would stall the queue silently: every child of the lock path
 * is taken for a lock node (a queue node there, or items of the dead-letter path, would hold
 * items of that name for ever), and dead letters written into the queue itself would be taken
 * again.
 */
export function checkPaths(path: string, lockPath: string, deadLetterPath?: string): void {
  validatePath(path);
  if (path === '/') throw new InvalidArgumentError('path', 'a queue cannot live in /');
  validatePath(lockPath);
  if (within(lockPath, path) || within(path, lockPath)) {
    throw new InvalidArgumentError(
      'lockPath',
      `lockPath ${lockPath} and the queue path ${path} must be apart (neither under the other)`,
    );
  }
  if (deadLetterPath === undefined) return;
  validatePath(deadLetterPath);
  if (deadLetterPath === '/') {
    throw new InvalidArgumentError('deadLetterPath', 'a dead-letter queue cannot live in /');
  }
  if (deadLetterPath === path || deadLetterPath === lockPath) {
    throw new InvalidArgumentError(
      'deadLetterPath',
      `deadLetterPath ${deadLetterPath} must be neither the queue path nor the lock path`,
    );
  }
}

/**
 * The deadline of a blocking call, its options checked first: a signal that is not an
 * AbortSignal would otherwise fail deep inside with a bare TypeError.
 */
export function waitDeadline(options: WaitOptions | undefined): Deadline {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError('options', 'options must be an object');
  }
  const signal: unknown = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('signal', 'signal must be an AbortSignal');
  }
  return Deadline.of(options);
}

/**
 * Runs a queue call under its deadline (the kit's Deadline.run): its requests end at
 * `timeoutMs` too, and the call then rejects with QueueTimeoutError (ADR 0031).
 */
export async function bounded<R>(
  operation: QueueOperation,
  path: string,
  options: WaitOptions | undefined,
  call: (deadline: Deadline) => Promise<R>,
): Promise<R> {
  return Deadline.run(
    waitDeadline(options),
    (ms) => new QueueTimeoutError(operation, path, ms),
    call,
  );
}
