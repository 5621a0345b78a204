/**
 * Versioned read-modify-write: read a node, compute its next data, write it only if nobody
 * wrote in between (setData with the version read), and go round when someone did. Counters,
 * shared values and config updates are made of it.
 *
 * A connection loss during the conditional write leaves its outcome unknown. Repeating the
 * write blindly is wrong both ways: if it had committed, the repeat meets BadVersion, which
 * reads as "lost the race" and applies the change a second time (CURATOR-584: Curator's
 * DistributedAtomicLong double-counts so). So the write is sent once, without the client's
 * retries, and after a loss the node is read again: one version past ours and holding our
 * bytes means our write committed; still at our version (or still absent) means it did not,
 * and we go round; anything else means others wrote since, and whether ours came first cannot
 * be told: {@link UpdateOutcomeUnknownError}.
 */
import type { ZkClient } from '../client.js';
import {
  BadVersionError,
  isRetryable,
  NodeExistsError,
  NoNodeError,
  ZkRecipesError,
} from '../errors.js';
import { noRetry } from '../framework/retry.js';
import type { Stat } from '../types.js';
import { Deadline, type WaitOptions } from './deadline.js';

/** A node's data and Stat, as read or as written. */
export interface Versioned {
  readonly data: Buffer;
  readonly stat: Stat;
}

export interface UpdateOptions extends WaitOptions {
  /** When the node is absent: create it (fn gets undefined) instead of rejecting with NoNodeError. */
  create?: boolean;
  /** Give up after this many lost races with {@link UpdateConflictError}. Default: no limit. */
  maxAttempts?: number;
}

/** Every attempt of an update lost its race to another writer. */
export class UpdateConflictError extends ZkRecipesError {
  override name = 'UpdateConflictError';
  constructor(
    path: string,
    readonly attempts: number,
  ) {
    super('UPDATE_CONFLICT', `${attempts} attempts to update ${path} each lost to another writer`, {
      path,
    });
  }
}

/**
 * A connection was lost while the conditional write was in flight, and others have written
 * since: the write may or may not have been applied. `cause` is the connection error.
 */
export class UpdateOutcomeUnknownError extends ZkRecipesError {
  override name = 'UpdateOutcomeUnknownError';
  constructor(path: string, cause: unknown) {
    super('UPDATE_OUTCOME_UNKNOWN', `the update of ${path} may or may not have been applied`, {
      path,
      cause,
    });
  }
}

async function read(
  client: ZkClient,
  path: string,
  signal?: AbortSignal,
): Promise<Versioned | undefined> {
  try {
    return await client.getData(path, signal ? { signal } : {});
  } catch (e) {
    if (e instanceof NoNodeError) return undefined;
    throw e;
  }
}

/**
 * Updates `path` to `fn(current)` with a compare-and-set on its version, going round while
 * other writers win. `fn` gets the node's data and Stat (undefined when absent, with
 * `create`) and returns the new data, or undefined to leave the node as it is. Resolves with
 * what the node holds afterwards. `fn` may run more than once: keep it free of side effects.
 *
 * Limitation: after a connection loss, a write is recognised as ours by the version having
 * moved exactly one past it and the node holding exactly our bytes. Another writer that wrote
 * the very same bytes from the same version in that window cannot be told from us.
 *
 * @example
 * const { data } = await update(client, '/config/limits', (cur) =>
 *   Buffer.from(JSON.stringify({ ...JSON.parse(cur!.data.toString()), max: 10 })),
 * );
 */
export async function update(
  client: ZkClient,
  path: string,
  fn: (current: Versioned | undefined) => Buffer | undefined | Promise<Buffer | undefined>,
  options: UpdateOptions = {},
): Promise<Versioned | undefined> {
  const deadline = Deadline.of(options);
  const max = options.maxAttempts ?? Infinity;
  const signal = deadline.signal;
  const once = { retryPolicy: noRetry, ...(signal ? { signal } : {}) };
  for (let attempt = 1; ; attempt++) {
    deadline.throwIfAborted();
    const current = await read(client, path, signal);
    if (current === undefined && !options.create) {
      throw new NoNodeError(undefined, { path });
    }
    const next = await fn(current);
    if (next === undefined) return current;
    try {
      const stat = current
        ? await client.setData(path, next, { ...once, version: current.stat.version })
        : (await client.create(path, next, once)).stat;
      return { data: next, stat };
    } catch (e) {
      if (isRetryable(e)) {
        const now = await read(client, path, signal);
        const base = current?.stat.version ?? -1;
        if (now && now.stat.version === base + 1 && now.data.equals(next)) return now; // ours
        if ((now?.stat.version ?? -1) !== base || (now === undefined) !== (current === undefined)) {
          throw new UpdateOutcomeUnknownError(path, e);
        }
        // Not applied: go round (not counted as a lost race).
      } else if (!(e instanceof BadVersionError || e instanceof NodeExistsError)) {
        throw e;
      } else if (attempt >= max) {
        throw new UpdateConflictError(path, attempt);
      }
    }
    if (deadline.expired) throw new UpdateConflictError(path, attempt);
  }
}
