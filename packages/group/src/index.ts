// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * Group membership (Curator's GroupMember) and the nodes kept in place it is built on
 * (Curator's PersistentNode and PersistentTtlNode). See docs/recipes/group.md.
 */
export { GroupMember } from './group-member.js';
export type { GroupChange, GroupMemberEvents, GroupMemberOptions } from './group-member-types.js';
export { PersistentNode, type PersistentNodeOptions } from './persistent-node.js';
export {
  PersistentTtlNode,
  TOUCH_NODE,
  type PersistentTtlNodeOptions,
} from './persistent-ttl-node.js';
export { GroupTimeoutError, NodeConflictError } from './errors.js';
