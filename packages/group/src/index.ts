// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * Nodes kept in place (Curator's PersistentNode and PersistentTtlNode), the base of group
 * membership. See docs/recipes/group.md.
 */
export { PersistentNode, type PersistentNodeOptions } from './persistent-node.js';
export {
  PersistentTtlNode,
  TOUCH_NODE,
  type PersistentTtlNodeOptions,
} from './persistent-ttl-node.js';
export { NodeConflictError } from './errors.js';
