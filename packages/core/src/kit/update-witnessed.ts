/**
 * The witnessed write of update({ witness }) (kit/update.ts): the conditional write and a fresh
 * token on the writer's witness in one multi, and after a lost reply the witness asked whether
 * it committed (kit/witness.ts keeps the witnesses).
 */
import type { MultiOp, ZkClient } from '../client.js';
import { isRetryable, NodeExistsError, NoNodeError, SessionExpiredError } from '../errors.js';
import type { Stat } from '../types.js';
import { abortReason } from './abort.js';
import { inNextSession } from './update-read.js';
import { UpdateOutcomeUnknownError, type Versioned } from './update-types.js';
import { conditionalSetData, nextVersion } from './version.js';
import { witnessToken, type WitnessSlot } from './witness.js';

/** Internal: a witnessed write whose reply was lost, found not applied. */
export class NotAppliedError extends Error {}

/**
 * The conditional write (or create) in one multi with a fresh token on the writer's witness.
 * Errors: the multi's typed error of its first op (lost race, absent node), NotAppliedError
 * after a loss the witness shows did not commit, a retryable error when even that cannot be
 * read (e.g. the session, and with it the witness, is gone).
 */
export async function witnessedWrite(
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
