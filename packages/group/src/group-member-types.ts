/** The options, events and changes of a GroupMember (group-member.ts), and its payload's check. */
import { InvalidArgumentError } from '@zk-recipes/core';
import { localAddress } from '@zk-recipes/core/recipe';
import type { NodeConflictError } from './errors.js';

/** Options of a GroupMember. */
export interface GroupMemberOptions {
  /** This member's payload. Default: the local IPv4 address (Curator's default). */
  payload?: Buffer | string;
}

/** A change in a group's membership, as `GroupMember.changes()` yields it. */
export interface GroupChange {
  /** `joined`: a member appeared; `left`: it went; `updated`: its payload changed. */
  readonly type: 'joined' | 'left' | 'updated';
  /** The member's id (its node's name). */
  readonly id: string;
  /** The payload now (`left`: the last one seen). */
  readonly payload: Buffer;
}

/** Events of a GroupMember. */
export type GroupMemberEvents = {
  /** A member joined (not told for the members there at start). */
  joined: [id: string, payload: Buffer];
  /** A member left (its node is gone: it closed, or its session ended). */
  left: [id: string, payload: Buffer];
  /** A member's payload changed (a rewrite with the same bytes is no change). */
  updated: [id: string, payload: Buffer, previous: Buffer];
  /** Each of the three above, as one event (what `changes()` yields). */
  change: [change: GroupChange];
  /** Our id is held by another live session: we wait for it to go, then join. */
  conflict: [error: NodeConflictError];
  /** An error the member survived (a read refused, a re-creation that failed). */
  error: [error: unknown];
};

/** A payload option as node data: the local IPv4 address when absent (Curator's default). */
export const toPayload = (p: unknown): Buffer => {
  if (p === undefined) return Buffer.from(localAddress());
  if (typeof p === 'string') return Buffer.from(p);
  if (Buffer.isBuffer(p)) return p;
  throw new InvalidArgumentError('payload', 'payload must be a Buffer or a string');
};
