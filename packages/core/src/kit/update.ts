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
 *
 * With `witness`, the write carries its own mark instead (kit/witness.ts): it goes in one multi
 * with a fresh token written to an ephemeral child only this writer touches, and after a loss
 * that child tells whether it committed, even when another writer wrote the same bytes from the
 * same version (counters do).
 *
 * A session that ends under an update is no failure of it: a request that meets
 * SessionExpiredError was never written (core settles one written and unanswered with
 * ConnectionLossError), so reads and writes go round on the client's next session. Only a
 * witness of the lost session cannot be asked any more: that outcome is unknown.
 */
import type { ZkClient } from '../client.js';
import {
  BadVersionError,
  isRetryable,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
} from '../errors.js';
import { nextSleep, noRetry } from '../framework/retry.js';
import { sleep } from './abort.js';
import { Deadline } from './deadline.js';
import { inNextSession, read } from './update-read.js';
import {
  UpdateConflictError,
  UpdateOutcomeUnknownError,
  type UpdateOptions,
  type Versioned,
} from './update-types.js';
import { NotAppliedError, witnessedWrite } from './update-witnessed.js';
import { nextVersion, setDataAtVersion } from './version.js';
import { releaseWitness, takeWitness, WITNESS_PREFIX, type WitnessSlot } from './witness.js';

/** Whether a child name of a witnessed node is a write witness rather than data. */
export function isWitnessName(name: string): boolean {
  return name.startsWith(WITNESS_PREFIX);
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
  if (!options.witness) return updateLoop(client, path, fn, options, deadline, undefined);
  const slot = takeWitness(client, path);
  try {
    return await updateLoop(client, path, fn, options, deadline, slot);
  } finally {
    releaseWitness(client, path, slot);
  }
}

async function updateLoop(
  client: ZkClient,
  path: string,
  fn: (current: Versioned | undefined) => Buffer | undefined | Promise<Buffer | undefined>,
  options: UpdateOptions,
  deadline: Deadline,
  slot: WitnessSlot | undefined,
): Promise<Versioned | undefined> {
  const max = options.maxAttempts ?? Infinity;
  const signal = deadline.signal;
  const once = { retryPolicy: noRetry, ...(signal ? { signal } : {}) };
  const began = Date.now();
  let lost = 0;
  // `stale`: current is the caller's `known`, not a read made just now.
  let stale = options.known !== undefined;
  let current = stale ? options.known : await read(client, path, signal);
  for (;;) {
    deadline.throwIfAborted();
    if (current === undefined && !options.create) {
      if (!stale) throw new NoNodeError(undefined, { path });
      stale = false; // gone since the caller saw it? Ask the server.
      current = await read(client, path, signal);
      continue;
    }
    const next = await fn(current);
    if (next === undefined) {
      if (!stale) return current;
      stale = false; // decide on fresh data only
      current = await read(client, path, signal);
      continue;
    }
    let back: Promise<Versioned | undefined> | undefined;
    let useBack = false;
    try {
      const written = slot
        ? witnessedWrite(client, path, current, next, slot, signal)
        : current
          ? setDataAtVersion(client, path, next, current.stat.version, once).then((stat) => ({
              data: next,
              stat,
            }))
          : client.create(path, next, once).then((r) => ({ data: next, stat: r.stat }));
      // Queued behind the write on the same session: the server answers it after the write.
      if (options.readBack) (back = read(client, path, signal)).catch(() => {});
      return await written;
    } catch (e) {
      if (e instanceof NotAppliedError || e instanceof SessionExpiredError) {
        // Not applied (the witness says so, or the write was never sent before its session
        // ended): go round, not counted as a lost race.
      } else if (isRetryable(e)) {
        if (slot) throw new UpdateOutcomeUnknownError(path, e); // witnessedWrite could not tell
        const now = await read(client, path, signal);
        const base = current?.stat.version ?? -1;
        // One past ours in the server's arithmetic: 2147483647 is followed by -2147483648.
        if (now && now.stat.version === nextVersion(base) && now.data.equals(next)) return now;
        if ((now?.stat.version ?? -1) !== base || (now === undefined) !== (current === undefined)) {
          throw new UpdateOutcomeUnknownError(path, e);
        }
        // Not applied: go round (not counted as a lost race).
      } else if (e instanceof NoNodeError && !current && options.createParents) {
        await inNextSession(
          () => client.ensurePath(parentOf(path), signal ? { signal } : {}),
          signal,
        );
      } else if (!(e instanceof BadVersionError || e instanceof NodeExistsError)) {
        throw e;
      } else if (stale) {
        // Lost on `known`, not on a read made just now: go round at once, not counted.
        useBack = true;
      } else {
        lost++;
        if (lost >= max) throw new UpdateConflictError(path, lost);
        const ms = options.retryPolicy
          ? nextSleep(options.retryPolicy, lost - 1, Date.now() - began)
          : 0;
        if (ms === undefined || deadline.expired) throw new UpdateConflictError(path, lost);
        if (ms > 0) await sleep(ms, signal); // then read afresh: what came back is old now
        useBack = ms === 0;
      }
    }
    if (deadline.expired) throw new UpdateConflictError(path, lost);
    // After a lost race, the read behind the write already holds what beat us.
    const seen =
      useBack && back
        ? await back.then(
            (v) => ({ v }),
            () => undefined,
          )
        : undefined;
    if (seen) {
      current = seen.v;
      stale = false;
      continue;
    }
    stale = false;
    current = await read(client, path, signal);
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
