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
import type { MultiOp, ZkClient } from '../client.js';
import {
  BadVersionError,
  isRetryable,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  ZkRecipesError,
} from '../errors.js';
import { nextSleep, noRetry, type RetryPolicy } from '../framework/retry.js';
import type { Stat } from '../types.js';
import { abortReason, sleep } from './abort.js';
import { Deadline, type WaitOptions } from './deadline.js';
import { conditionalSetData, nextVersion, setDataAtVersion } from './version.js';
import {
  releaseWitness,
  takeWitness,
  witnessToken,
  WITNESS_PREFIX,
  type WitnessSlot,
} from './witness.js';

/** A node's data and Stat, as read or as written. */
export interface Versioned {
  readonly data: Buffer;
  readonly stat: Stat;
}

export interface UpdateOptions extends WaitOptions {
  /** When the node is absent: create it (fn gets undefined) instead of rejecting with NoNodeError. */
  create?: boolean;
  /**
   * Give up after this many lost races with {@link UpdateConflictError}. Default: no limit. A
   * write made on `known` that loses is not counted (it was not a race on fresh data).
   */
  maxAttempts?: number;
  /** With `create`: create missing parents too (as containers where the server can). */
  createParents?: boolean;
  /**
   * Mark each write with a witness (an ephemeral child `zkr-witness-<uuid>` of the node, in the
   * same multi) so that a write whose reply was lost is recognised even when another writer
   * wrote the same bytes from the same version. Use it where equal writes are expected, as in
   * counters. Default false.
   */
  witness?: boolean;
  /**
   * Between lost races, sleep as this policy says, and give up with {@link UpdateConflictError}
   * when it says stop (or at `maxAttempts`, whichever comes first). Default: go round at once.
   */
  retryPolicy?: RetryPolicy;
  /**
   * The node as the caller last saw it (e.g. what its previous update returned): the first
   * attempt computes and writes on it without reading first. A stale one costs one lost race
   * (the write is conditional on its version); when `fn` asks for no write on it, the node is
   * read afresh and `fn` asked again, so a decision not to write is never made on old data.
   * The caller must know the node was not deleted and re-created since (a version alone cannot
   * tell), e.g. because its witness has been a child of it all along.
   */
  known?: Versioned | undefined;
  /**
   * Send a read of the node right behind each conditional write, on the same session (the
   * server answers it only after the write): a lost race goes round with what it read instead
   * of another round trip to the server. One more read per write; it pays under contention.
   */
  readBack?: boolean;
}

/** Whether a child name of a witnessed node is a write witness rather than data. */
export function isWitnessName(name: string): boolean {
  return name.startsWith(WITNESS_PREFIX);
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

/**
 * `call` again while it meets SessionExpiredError (its request was queued when the session
 * ended, so it was never sent: asked again, in the client's next session), until `signal`
 * aborts.
 */
async function inNextSession<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof SessionExpiredError) || signal?.aborted) throw e;
    }
  }
}

async function read(
  client: ZkClient,
  path: string,
  signal?: AbortSignal,
): Promise<Versioned | undefined> {
  try {
    return await inNextSession(() => client.getData(path, signal ? { signal } : {}), signal);
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

/** Internal: a witnessed write whose reply was lost, found not applied. */
class NotAppliedError extends Error {}

/**
 * The conditional write (or create) in one multi with a fresh token on the writer's witness.
 * Errors: the multi's typed error of its first op (lost race, absent node), NotAppliedError
 * after a loss the witness shows did not commit, a retryable error when even that cannot be
 * read (e.g. the session, and with it the witness, is gone).
 */
async function witnessedWrite(
  client: ZkClient,
  path: string,
  current: Versioned | undefined,
  next: Buffer,
  slot: WitnessSlot,
  signal: AbortSignal | undefined,
): Promise<Versioned> {
  const sessionId = client.session?.sessionId;
  if (slot.sessionId !== sessionId) slot.live = false; // a new session has lost it
  const token = witnessToken();
  const mark: MultiOp = slot.live
    ? { op: 'setData', path: slot.path, data: token }
    : { op: 'create', path: slot.path, data: token, mode: 'EPHEMERAL' };
  // At version -1 the write needs a check after it (kit/version.ts): last, so that the witness
  // stays the second op (a failed check is a BadVersionError, a lost race).
  const [write, ...check] = current
    ? conditionalSetData(path, next, current.stat.version)
    : [{ op: 'create', path, data: next } satisfies MultiOp];
  const opts = signal ? { signal } : {};
  try {
    // With the signal: a call whose deadline passes while ZooKeeper is unreachable ends then.
    const [result] = await client.multi([write!, mark, ...check], opts);
    slot.live = true;
    slot.sessionId = sessionId;
    if (result?.op === 'setData') return { data: next, stat: result.stat };
    return { data: next, stat: await statAfter(client, path, 0, next, opts) }; // a create
  } catch (e) {
    const opIndex = (e as { opIndex?: unknown }).opIndex;
    if (opIndex === 1) {
      // The witness, not the node: ours vanished (NoNode) or exists already (NodeExists).
      slot.live = e instanceof NodeExistsError;
      slot.sessionId = sessionId;
      throw new NotAppliedError();
    }
    if (signal?.aborted && e === abortReason(signal)) {
      // Left before the answer (abort, deadline): the multi may still create the witness.
      // Counted as there, so the idle delete takes it (a missing one costs one more round).
      slot.live = true;
      slot.sessionId = sessionId;
    }
    if (!isRetryable(e)) throw e;
    // Outcome unknown: make the server we read from current, then ask the witness.
    let seen: Buffer | undefined;
    try {
      await client.sync(slot.path, opts);
      seen = (await client.getData(slot.path, opts)).data;
    } catch (readError) {
      // The session ended before the witness could be asked: it went with it.
      if (readError instanceof SessionExpiredError) throw new UpdateOutcomeUnknownError(path, e);
      if (!(readError instanceof NoNodeError)) throw readError;
    }
    if (seen === undefined) {
      // No witness: if it had existed in this session it would still; so a create of it did
      // not commit, unless the session changed in between (then nothing can be told).
      if (client.session?.sessionId === sessionId && !slot.live) throw new NotAppliedError();
      slot.live = false;
      throw e;
    }
    slot.live = true;
    slot.sessionId = client.session?.sessionId;
    if (!seen.equals(token)) throw new NotAppliedError();
    const version = nextVersion(current?.stat.version ?? -1);
    return { data: next, stat: await statAfter(client, path, version, next, opts) };
  }
}

/**
 * The Stat of a write known to have committed without its reply: the version is known (one past
 * the one read), the rest is the node's Stat now (others may have written since).
 */
async function statAfter(
  client: ZkClient,
  path: string,
  version: number,
  data: Buffer,
  opts: { signal?: AbortSignal },
): Promise<Stat> {
  const now = (await inNextSession(() => client.exists(path, opts), opts.signal)) ?? {
    czxid: 0n,
    mzxid: 0n,
    ctime: 0,
    mtime: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    numChildren: 0,
    pzxid: 0n,
    version,
    dataLength: data.length,
  };
  return { ...now, version, dataLength: data.length };
}
