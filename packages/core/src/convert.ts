/**
 * Callers' arguments in the shapes core sends (node-zookeeper-client's shapes are the driver's
 * business: driver/stat.ts, driver/acls.ts).
 */
import { checkAcls } from './driver/acls.js';
import { InvalidArgumentError } from './errors.js';
import type { Acl } from './types.js';

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

/**
 * A caller's ACL list, checked and copied: the driver converts a list once per list object
 * (driver/acls.ts), and a caller may change its own list after the call.
 */
export function toAcls(acls: readonly Acl[]): readonly Acl[] {
  checkAcls(acls);
  return acls.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.id }));
}

/**
 * A version argument: any 32-bit integer, -1 matching any version; 0 is a real version (upstream
 * #67). A node's version is a Java int that wraps past 2147483647 to -2147483648 and goes on
 * through the negatives (kit/version.ts): those are real versions too, or a node written 2^31
 * times could no longer be written conditionally.
 */
export function toVersion(v: unknown, field = 'version'): number {
  if (v === undefined) return -1;
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
    return v;
  }
  throw new InvalidArgumentError(field, `${field} must be a 32-bit integer (-1 matches any)`);
}
