/** Batched reads (ZooKeeper's multiRead): validation of the caller's reads, their results. */
import type { WireRead, WireReadResult } from './driver/multi-read.js';
import { OpCode as OP } from './driver/opcodes.js';
import {
  errorFromCode,
  InvalidArgumentError,
  stacklessError,
  type ZooKeeperError,
} from './errors.js';
import type { Stat } from './types.js';

/** One read of a {@link ZkClient.multiRead}. No watch can be set this way. */
export type ReadOp = { op: 'getData'; path: string } | { op: 'getChildren'; path: string };

/**
 * One read's result, in the order of the reads: what it read, or the typed error the server gave
 * that read alone (NoNodeError, NoAuthError...); the other reads are unaffected.
 */
export type ReadResult =
  | { op: 'getData'; path: string; data: Buffer; stat: Stat }
  | { op: 'getChildren'; path: string; children: string[] }
  | { op: 'getData' | 'getChildren'; path: string; error: ZooKeeperError };

const EMPTY = Buffer.alloc(0);

/** Checks the reads' shape (typed error naming `ops.<i>`); paths are checked by the caller. */
export function checkReadOps(ops: readonly ReadOp[]): void {
  const input: unknown = ops;
  if (!Array.isArray(input) || ops.length === 0)
    throw new InvalidArgumentError('ops', 'multiRead needs a non-empty array of reads');
  for (const [i, o] of ops.entries()) {
    if (o?.op !== 'getData' && o?.op !== 'getChildren')
      throw new InvalidArgumentError(`ops.${i}.op`, 'a read is getData or getChildren');
  }
}

export function toWireRead(op: ReadOp['op'], path: string): WireRead {
  return { type: op === 'getData' ? OP.getData : OP.getChildren, path };
}

/** A wire result as the caller's, for the read `op` of `path` (the caller's path). */
export function fromWireRead(op: ReadOp['op'], path: string, r: WireReadResult): ReadResult {
  if ('err' in r) return { op, path, error: stacklessError(() => errorFromCode(r.err, path)) };
  if ('children' in r) return { op: 'getChildren', path, children: r.children };
  return { op: 'getData', path, data: r.data ?? EMPTY, stat: r.stat };
}
