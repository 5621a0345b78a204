/** Digest ACL helpers and the ACL provider every create (parents included) goes through. */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import { OPEN_ACL_UNSAFE, Perms, type Acl } from '../types.js';

/** The id ZooKeeper's digest scheme derives from `user:password`: `user:base64(sha1(user:password))`. */
export function digestId(user: string, password: string): string {
  if (typeof user !== 'string' || user.length === 0 || user.includes(':')) {
    throw new InvalidArgumentError('user', 'user must be a non-empty string without ":"');
  }
  if (typeof password !== 'string')
    throw new InvalidArgumentError('password', 'password must be a string');
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

/** A digest ACL entry for `user:password` with `perms` (default all). */
export function digestAcl(user: string, password: string, perms: number = Perms.ALL): Acl {
  return { perms, scheme: 'digest', id: digestId(user, password) };
}

/**
 * Chooses the ACL of every node the framework and the recipes create when the caller gives
 * none: `forPath(path)` first (the full path, namespace included), then `defaultAcl`.
 */
export interface AclProvider {
  defaultAcl: readonly Acl[];
  /** The ACL of one path (namespace included), or undefined for `defaultAcl`. */
  forPath?: (path: string) => readonly Acl[] | undefined;
}

export const openAclProvider: AclProvider = { defaultAcl: OPEN_ACL_UNSAFE };

export function aclFor(provider: AclProvider, path: string): readonly Acl[] {
  return provider.forPath?.(path) ?? provider.defaultAcl;
}
