/** The options, events and conflict error of a kept node (kit/kept-node.ts). */
import type { MultiOp } from '../client.js';
import { ZkRecipesError } from '../errors.js';
import type { Acl, CreateMode } from '../types.js';

/**
 * The path a node is kept at is held by someone else: an ephemeral node of another live session
 * (a duplicate member or instance id, a second process on the same path), or a node of another
 * kind than ours. Nothing of it was changed. Curator adopts or replaces such a node; we refuse,
 * and wait for it to go. A node of this client's own previous session is no conflict: it is
 * replaced (docs/adr/0032-kept-node-takes-back-its-own-previous-session.md).
 */
export class NodeConflictError extends ZkRecipesError {
  override name = 'NodeConflictError';
  constructor(
    path: string,
    /** The session owning the node (0n for a persistent node). */
    readonly owner: bigint,
  ) {
    super(
      'NODE_CONFLICT',
      owner === 0n
        ? `${path} exists and is not an ephemeral node of this session`
        : `${path} is held by another session (0x${owner.toString(16)})`,
      { path },
    );
  }
}

/** Options of a KeptNode (kit/kept-node.ts). */
export interface KeptNodeOptions {
  /** Any mode but CONTAINER children-less use; default EPHEMERAL. */
  mode?: CreateMode;
  /** The node's data. Default: empty. */
  data?: Buffer;
  /** The node's ACL (else the client's ACL provider's). */
  acl?: readonly Acl[];
  /** Time to live of a `*_WITH_TTL` node, in ms. */
  ttlMs?: number;
  /** Make missing parents, as containers (default true). */
  createParents?: boolean;
  /**
   * Children created in the same transaction as the node, each time it is created (a TTL
   * node's first touch): a process that dies at once leaves nothing half made. Not for
   * sequential or ephemeral nodes.
   */
  children?: (path: string) => MultiOp[];
  /** Remove the node on close (default true); false leaves it (a PERMANENT registration). */
  removeOnClose?: boolean;
}

/** Events of a KeptNode. */
export type KeptNodeEvents = {
  /** The node is in place at `path`: made, found as ours (`kept`), or found and rewritten. */
  placed: [path: string, how: 'created' | 'kept' | 'rewritten'];
  /** The path is another session's: we wait for it to go, then create ours. */
  conflict: [error: NodeConflictError];
  /** Something the node survived (a re-creation that failed: tried again with backoff). */
  error: [error: unknown];
};
