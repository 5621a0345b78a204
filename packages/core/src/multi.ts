/** Transactions: validation of the caller's operations and conversion of the results. */
import { toAcls, toBuffer, toVersion } from './convert.js';
import { OpCode as OP } from './driver/opcodes.js';
import type { MultiOp as WireOp, MultiResult as WireResult } from './driver/multi.js';
import { InvalidArgumentError } from './errors.js';
import { validatePath } from './paths.js';
import { CREATE_FLAGS, type Acl, type CreateMode, type Stat } from './types.js';

/** One operation of a transaction. Versions are used exactly as given (0 is a version). */
export type MultiOp =
  | {
      op: 'create';
      path: string;
      data?: Buffer | string;
      mode?: CreateMode;
      acl?: readonly Acl[];
      /** Time to live of a `*_WITH_TTL` node, in ms (required for those modes, refused otherwise). */
      ttlMs?: number;
    }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'setData'; path: string; data: Buffer | string; version?: number }
  | { op: 'check'; path: string; version: number };

/** One result of a committed transaction, in the order of its operations. */
export type MultiResult =
  | { op: 'create'; path: string }
  | { op: 'delete' }
  | { op: 'setData'; stat: Stat }
  | { op: 'check' };

const MULTI_CREATE_MODES: readonly string[] = [
  'PERSISTENT',
  'EPHEMERAL',
  'PERSISTENT_SEQUENTIAL',
  'EPHEMERAL_SEQUENTIAL',
  'CONTAINER',
  'PERSISTENT_WITH_TTL',
  'PERSISTENT_SEQUENTIAL_WITH_TTL',
];
const MAX_TTL_MS = 0xffffffffff; // ZooKeeper keeps a TTL in 40 bits (EphemeralType.TTL)

/** Checks every operation (typed error naming `ops.<i>.<field>`) and builds the wire ops. */
export function toWireOps(ops: readonly MultiOp[]): WireOp[] {
  const input: unknown = ops;
  if (!Array.isArray(input) || ops.length === 0) {
    throw new InvalidArgumentError('ops', 'multi needs a non-empty array of operations');
  }
  return ops.map((o, i): WireOp => {
    const field = `ops.${i}`;
    const version = (v: unknown) => toVersion(v, `${field}.version`);
    switch (o?.op) {
      case 'create': {
        const mode = o.mode ?? 'PERSISTENT';
        if (!MULTI_CREATE_MODES.includes(mode)) {
          throw new InvalidArgumentError(`${field}.mode`, `multi cannot create ${mode} nodes`);
        }
        validatePath(o.path, { sequential: mode.includes('SEQUENTIAL') });
        const ttl = mode.includes('TTL');
        if (ttl !== (o.ttlMs !== undefined)) {
          const why = ttl ? `${mode} needs ttlMs` : 'ttlMs is only for *_WITH_TTL modes';
          throw new InvalidArgumentError(`${field}.ttlMs`, why, { path: o.path });
        }
        if (ttl && !(Number.isInteger(o.ttlMs) && o.ttlMs! > 0 && o.ttlMs! <= MAX_TTL_MS)) {
          throw new InvalidArgumentError(
            `${field}.ttlMs`,
            'ttlMs must be an integer in 1..2^40-1',
            {
              path: o.path,
            },
          );
        }
        return {
          // Containers and TTL nodes have opcodes of their own (core serializes the multi).
          type: ttl ? OP.createTTL : mode === 'CONTAINER' ? OP.createContainer : OP.create,
          path: o.path,
          data: toBuffer(o.data, `${field}.data`),
          // No ACL given: the client fills in its ACL provider's for the path.
          ...(o.acl === undefined ? {} : { acls: toAcls(o.acl) }),
          mode: CREATE_FLAGS[mode],
          ...(ttl ? { ttlMs: o.ttlMs! } : {}),
        };
      }
      case 'delete':
        validatePath(o.path);
        return { type: OP.delete, path: o.path, version: version(o.version) };
      case 'setData':
        validatePath(o.path);
        return {
          type: OP.setData,
          path: o.path,
          data: toBuffer(o.data, `${field}.data`),
          version: version(o.version),
        };
      case 'check':
        validatePath(o.path);
        return { type: OP.check, path: o.path, version: version(o.version) };
      default:
        throw new InvalidArgumentError(
          `${field}.op`,
          'op must be create, delete, setData or check',
        );
    }
  });
}

export function fromWireResults(results: WireResult[]): MultiResult[] {
  return results.map((r): MultiResult => {
    switch (r.type) {
      case OP.create:
      case OP.createContainer:
      case OP.createTTL:
        return { op: 'create', path: r.path ?? '' };
      case OP.delete:
        return { op: 'delete' };
      case OP.setData:
        return { op: 'setData', stat: r.stat! };
      default:
        return { op: 'check' };
    }
  });
}
