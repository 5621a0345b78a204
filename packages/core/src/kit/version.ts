/**
 * A node's version as the server keeps it: a Java int. Each setData makes it the old one plus
 * one in Java arithmetic, so after 2147483647 it wraps to -2147483648 and goes on up through
 * the negatives; on the way it is -1, which setData, check and delete read as "any version".
 * JavaScript numbers do not wrap (2147483647 + 1 is 2147483648, a version no node has and the
 * client refuses), and a compare-and-set at -1 sent as it is would be a blind write. Both are
 * handled here, once: counters, shared values and kept nodes rely on it (a version must not
 * freeze them at the wrap, CURATOR-688).
 */
import type { MultiOp, MultiResult, ZkClient } from '../client.js';
import type { RequestOptions, Stat } from '../types.js';

/** The version the server gives a node after one more setData on `version` (Java int). */
export function nextVersion(version: number): number {
  return (version + 1) | 0;
}

/**
 * The operations of a setData applied only if the node is at `version`, for a multi: the setData
 * alone, or at version -1 (which the server takes for "any") the setData followed by a check
 * that the node is at version 0 now, which it is only if it was at -1 before (the multi's
 * operations see each other's effects, and the whole multi fails if the check does). A node
 * written meanwhile fails the check: BadVersionError with `opIndex` of the check.
 */
export function conditionalSetData(path: string, data: Buffer, version: number): MultiOp[] {
  const set: MultiOp = { op: 'setData', path, data, version };
  return version === -1 ? [set, { op: 'check', path, version: nextVersion(-1) }] : [set];
}

/**
 * setData on `path` only if the node is at `version`, whatever version that is (-1 included: see
 * {@link conditionalSetData}); resolves with the new Stat. Rejects as setData does: BadVersionError
 * when the node moved, NoNodeError when it is gone. At -1 it is one multi, never retried (its
 * `signal` is not used then: a multi is written at once); otherwise a setData with `options`.
 */
export async function setDataAtVersion(
  client: ZkClient,
  path: string,
  data: Buffer,
  version: number,
  options: Parameters<ZkClient['setData']>[2] = {},
): Promise<Stat> {
  if (version !== -1) return client.setData(path, data, { ...options, version });
  const request: RequestOptions =
    options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {};
  const [result] = await client.multi(conditionalSetData(path, data, version), request);
  // Committed: its first result is the setData's.
  return (result as Extract<MultiResult, { op: 'setData' }>).stat;
}
