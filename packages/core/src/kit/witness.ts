/**
 * Write witnesses: how a conditional write whose reply was lost is told apart from an equal
 * write by someone else (docs/adr/0019-shared-write-witness-for-conditional-writes.md).
 *
 * Re-reading the node after a lost reply recognises our write by its version and bytes, which
 * fails exactly where counters live: two clients adding the same delta from the same version
 * write the same bytes, so a re-read cannot tell whose write won, and taking theirs for ours
 * loses an increment (CURATOR-584 in the other direction). A witness makes the write carry a
 * mark of its own: the conditional write goes in one `multi` with a write of a fresh token to
 * an ephemeral child of the node that only this writer touches. The multi is atomic, so after
 * a lost reply the witness holding our token means our write committed, and anything else
 * means it did not.
 *
 * The witness is an ephemeral child `zkr-witness-<uuid>` of the node written: readers and
 * writers of the node's data (Curator's among them) never look at children; it goes with the
 * session, and is deleted once its writer has been idle for {@link WITNESS_IDLE_MS}, so a
 * counter is deletable again. One writer at a time per witness: concurrent updates of one node
 * from one client each take their own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ZkClient } from '../client.js';
import { noRetry } from '../framework/retry.js';

/** Children of a witnessed node whose name starts so are witnesses, not data. */
export const WITNESS_PREFIX = 'zkr-witness-';

/** How long a witness stays after its writer's last update, in ms. */
export const WITNESS_IDLE_MS = 2_000;

/** One writer's witness node: its path, and whether it exists in the current session. */
export interface WitnessSlot {
  readonly path: string;
  /** Believed to exist (created by a committed multi of this session). */
  live: boolean;
  /** The session it was made in: a new session has lost it. */
  sessionId: bigint | undefined;
}

interface Pool {
  free: WitnessSlot[];
  busy: number;
  timer: NodeJS.Timeout | undefined;
}

const pools = new WeakMap<ZkClient, Map<string, Pool>>();

function poolOf(client: ZkClient, path: string): Pool {
  let byPath = pools.get(client);
  if (!byPath) pools.set(client, (byPath = new Map<string, Pool>()));
  let pool = byPath.get(path);
  if (!pool) byPath.set(path, (pool = { free: [], busy: 0, timer: undefined }));
  return pool;
}

// Tokens: a random prefix per process and a counter. A witness is written by one process only
// (its path holds a fresh UUID), so the counter alone makes every token it holds unique; the
// prefix keeps tokens of different processes apart anyway. No random bytes per attempt.
const tokenPrefix = randomBytes(8);
let tokenCount = 0n;

/** A fresh token for one attempt: never written before, so it cannot be mistaken. */
export function witnessToken(): Buffer {
  const t = Buffer.allocUnsafe(16);
  tokenPrefix.copy(t, 0);
  t.writeBigUInt64BE(++tokenCount, 8);
  return t;
}

/** Takes a witness of `path` for one update (give it back with {@link releaseWitness}). */
export function takeWitness(client: ZkClient, path: string): WitnessSlot {
  const pool = poolOf(client, path);
  if (pool.timer) clearTimeout(pool.timer);
  pool.timer = undefined;
  pool.busy++;
  return (
    pool.free.pop() ?? {
      path: `${path === '/' ? '' : path}/${WITNESS_PREFIX}${randomUUID()}`,
      live: false,
      sessionId: undefined,
    }
  );
}

/**
 * Gives a witness back. When no update of `path` is running on this client any more, its
 * witnesses are deleted after {@link WITNESS_IDLE_MS} (an unreferenced timer: it keeps no
 * process alive; a delete that fails, e.g. on a closed client, is left to the session's end).
 */
export function releaseWitness(client: ZkClient, path: string, slot: WitnessSlot): void {
  const pool = poolOf(client, path);
  pool.busy--;
  pool.free.push(slot);
  if (pool.busy > 0 || pool.timer) return;
  pool.timer = setTimeout(() => {
    pool.timer = undefined;
    const gone = pool.free.splice(0).filter((s) => s.live);
    for (const s of gone) {
      client.delete(s.path, { retryPolicy: noRetry }).catch(() => {}); // the session ends it anyway
    }
  }, WITNESS_IDLE_MS);
  pool.timer.unref();
}
