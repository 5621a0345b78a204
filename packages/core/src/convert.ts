/** Conversions between node-zookeeper-client's shapes and core's public types. */
import { nzc, type NzcStat } from './driver/nzc.js';
import { InvalidArgumentError } from './errors.js';
import type { Acl, Stat } from './types.js';

const long = (b: Buffer): bigint => b.readBigInt64BE(0);
/** Epoch milliseconds from 8 big-endian bytes without a BigInt (exact below 2^53, as Number() is). */
const millis = (b: Buffer): number => b.readInt32BE(0) * 2 ** 32 + b.readUInt32BE(4);

export function toStat(s: NzcStat): Stat {
  return {
    czxid: long(s.czxid),
    mzxid: long(s.mzxid),
    ctime: millis(s.ctime),
    mtime: millis(s.mtime),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: long(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    pzxid: long(s.pzxid),
  };
}

/**
 * Data as a Buffer of our own: strings are UTF-8, undefined is empty (never null: upstream
 * #94), and a caller's Buffer is copied, since it is serialized only when sent, which can be
 * after a reconnect, and the caller may have reused it by then.
 */
const EMPTY = Buffer.alloc(0); // zero-length: nothing in it can be changed

export function toBuffer(data: unknown, field = 'data'): Buffer {
  if (data === undefined) return EMPTY;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return Buffer.from(data);
  throw new InvalidArgumentError(field, `${field} must be a Buffer or a string`);
}

export function toNzcAcls(acls: readonly Acl[]) {
  const input: unknown = acls;
  if (!Array.isArray(input) || acls.length === 0) {
    throw new InvalidArgumentError('acl', 'acl must be a non-empty array');
  }
  return acls.map((a, i) => {
    const ok =
      Number.isInteger(a?.perms) &&
      a.perms >= 0 &&
      a.perms <= 31 &&
      typeof a.scheme === 'string' &&
      a.scheme.length > 0 &&
      typeof a.id === 'string';
    if (!ok) throw new InvalidArgumentError(`acl.${i}`, 'an ACL is { perms: 0..31, scheme, id }');
    return new nzc.ACL(a.perms, new nzc.Id(a.scheme, a.id));
  });
}

/** A version argument: -1 (any) or a non-negative int; 0 is a real version (upstream #67). */
export function toVersion(v: unknown, field = 'version'): number {
  if (v === undefined) return -1;
  if (typeof v === 'number' && Number.isInteger(v) && v >= -1 && v <= 0x7fffffff) return v;
  throw new InvalidArgumentError(field, `${field} must be -1 or an integer >= 0`);
}

/** Strips a chroot the server included in a returned path. */
export function stripChroot(path: string, chroot: string | undefined): string {
  if (!chroot) return path;
  if (path === chroot) return '/';
  return path.startsWith(`${chroot}/`) ? path.slice(chroot.length) : path;
}
