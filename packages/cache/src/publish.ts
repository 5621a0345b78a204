/**
 * Writes one config node: publish (set, or create with its parents when absent) and update
 * (the kit's versioned read-modify-write, so two racing publishers lose no update).
 */
import { NodeExistsError, NoNodeError, type Stat, type ZkClient } from '@zk-recipes/core';
import { Deadline, update, type UpdateOptions, type WaitOptions } from '@zk-recipes/core/recipe';
import { decode, encode, type ConfigSchema } from './codec.js';
import { ConfigTimeoutError } from './errors.js';

/**
 * Runs a config write under its deadline (the kit's Deadline.run): its requests end at
 * `timeoutMs` too, and the write then rejects with ConfigTimeoutError (ADR 0031).
 */
function bounded<R>(
  operation: 'publish' | 'update',
  path: string,
  options: WaitOptions,
  fn: (signal?: AbortSignal) => Promise<R>,
): Promise<R> {
  return Deadline.run(
    options,
    (ms) => new ConfigTimeoutError(operation, path, ms),
    (d) => fn(d.signal),
  );
}

/** Validates `value`, then sets it; creates the node (and its parents) when it is absent. */
export async function publishValue<T>(
  client: ZkClient,
  path: string,
  schema: ConfigSchema<T>,
  value: T,
  options: WaitOptions,
): Promise<Stat> {
  const bytes = encode(path, value, schema);
  return bounded('publish', path, options, async (signal) => {
    const o = signal ? { signal } : {};
    for (;;) {
      try {
        return await client.setData(path, bytes, o);
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
      try {
        return (await client.create(path, bytes, { ...o, createParents: true })).stat;
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e; // created meanwhile: set it
      }
    }
  });
}

/** Options of a config `update()`. */
export interface ConfigUpdateOptions extends WaitOptions {
  /** Create the node when absent (`fn` gets undefined); its parent must exist. Default false. */
  create?: boolean;
  /** Give up after this many lost races (UpdateConflictError). Default: no limit. */
  maxAttempts?: number;
}

/**
 * Compare-and-set of a config value: `fn` gets the current value (undefined when absent, with
 * `create`) and returns the next, or undefined to leave it. Resolves with the value the node
 * holds afterwards. A current value that does not parse rejects with ConfigInvalidError.
 */
export async function updateValue<T>(
  client: ZkClient,
  path: string,
  schema: ConfigSchema<T>,
  fn: (current: T | undefined) => T | undefined,
  options: ConfigUpdateOptions,
): Promise<T | undefined> {
  let result: T | undefined;
  await bounded('update', path, options, (signal) => {
    const o: UpdateOptions = {
      ...(signal ? { signal } : {}),
      // Races still lost at the time say so (UpdateConflictError), as before.
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.create ? { create: true } : {}),
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    };
    return update(
      client,
      path,
      (cur) => {
        const current = cur ? decode(path, cur.data, schema) : undefined;
        const next = fn(current);
        result = next === undefined ? current : next;
        return next === undefined ? undefined : encode(path, next, schema);
      },
      o,
    );
  });
  return result;
}
