/**
 * Core's ACL lists (types.ts Acl) in the two forms the wire needs: jute bytes for the creates
 * core writes (./wire.ts), and the package's ACL objects for the records it still writes
 * (setACL, multi). A list is checked and converted once per list object, so the ACL
 * provider's lists, which every create without an explicit ACL uses, cost one WeakMap lookup
 * per request (bench/core-vs-raw.mjs measures creates). A caller's own list is copied by core
 * before it gets here (convert.ts toAcls), so a list reused and changed later is never stale.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Acl } from '../types.js';
import { nzc, type NzcAcl } from './nzc.js';

/** Throws InvalidArgumentError naming the field unless `acls` is a non-empty list of ACLs. */
export function checkAcls(acls: readonly Acl[]): void {
  const input: unknown = acls;
  if (!Array.isArray(input) || acls.length === 0) {
    throw new InvalidArgumentError('acl', 'acl must be a non-empty array');
  }
  acls.forEach((a, i) => {
    const ok =
      Number.isInteger(a?.perms) &&
      a.perms >= 0 &&
      a.perms <= 31 &&
      typeof a.scheme === 'string' &&
      a.scheme.length > 0 &&
      typeof a.id === 'string';
    if (!ok) throw new InvalidArgumentError(`acl.${i}`, 'an ACL is { perms: 0..31, scheme, id }');
  });
}

const bytesCache = new WeakMap<readonly Acl[], Buffer>();

/** An ACL list as jute writes vector<ACL>: count, then perms, scheme, id of each. */
export function aclBytes(acls: readonly Acl[]): Buffer {
  let b = bytesCache.get(acls); // the provider's lists are converted once, so this hits
  if (b) return b;
  checkAcls(acls);
  let size = 4;
  for (const a of acls) size += 12 + Buffer.byteLength(a.scheme) + Buffer.byteLength(a.id);
  b = Buffer.alloc(size);
  let o = b.writeInt32BE(acls.length, 0);
  for (const a of acls) {
    o = b.writeInt32BE(a.perms, o);
    o = writeString(b, a.scheme, o);
    o = writeString(b, a.id, o);
  }
  bytesCache.set(acls, b);
  return b;
}

/** A jute ustring: int32 byte length, then UTF-8. Returns the offset after it. */
function writeString(b: Buffer, s: string, offset: number): number {
  const n = b.write(s, offset + 4, 'utf8');
  b.writeInt32BE(n, offset);
  return offset + 4 + n;
}

const objectsCache = new WeakMap<readonly Acl[], NzcAcl[]>();

/** An ACL list as the package's ACL objects (what its Transaction and records take). */
export function packageAcls(acls: readonly Acl[]): NzcAcl[] {
  let c = objectsCache.get(acls);
  if (!c) {
    checkAcls(acls);
    c = acls.map((a) => new nzc.ACL(a.perms, new nzc.Id(a.scheme, a.id)));
    objectsCache.set(acls, c);
  }
  return c;
}

/** ACL records as the package parses them (GetACLResponse: perms, id.scheme, id.id). */
export function fromAclRecords(records: { perms: number; id: { scheme: string; id: string } }[]) {
  return records.map((a): Acl => ({ perms: a.perms, scheme: a.id.scheme, id: a.id.id }));
}
