/**
 * Curator's node names for the queue family: the prefix a put creates (the server appends the
 * 10-digit sequence) and the order consumers take items in. Children whose names do not start
 * with `queue-` are foreign: skipped and left alone, as Curator does.
 */
import { InvalidArgumentError } from '@zk-recipes/core';

/** The prefix of every item node's name (Curator's `queue-`); other children are foreign. */
export const ITEM_PREFIX = 'queue-';

/** Where consumers' lock nodes go when no `lockPath` is given: the queue's sibling. */
export function defaultLockPath(queuePath: string): string {
  return `${queuePath}-locks`;
}

/** How one queue variant names and orders its items. */
export interface Naming {
  /** The key consumers take items in (smallest first). */
  readonly sortKey: (name: string) => string;
  /** When the item is due (ms since the epoch); 0 for every variant but the delay queue. */
  readonly dueAt: (name: string) => number;
  /** The prefix of the node that requeues `name` at the tail (keeps its priority, time, id). */
  readonly requeuePrefix: (name: string) => string;
}

/** The sequence digits the server appended (the last 10 characters). */
const sequenceOf = (name: string) => name.slice(-10);

/** The text between the first two `|` of `name`, or undefined. */
function between(name: string): string | undefined {
  const a = name.indexOf('|');
  const b = a < 0 ? -1 : name.indexOf('|', a + 1);
  return b < 0 ? undefined : name.slice(a + 1, b);
}

/** DistributedQueue: `queue-NNNNNNNNNN`, in name order (FIFO). */
export const FIFO: Naming = {
  sortKey: (name) => name,
  dueAt: () => 0,
  requeuePrefix: () => ITEM_PREFIX,
};

/**
 * DistributedPriorityQueue: `queue-` + `1` (priority >= 0) or `0`, then the priority's 32 bits
 * as `%08X`, then the sequence. Plain name order: the lowest priority number first.
 */
export const PRIORITY: Naming = {
  sortKey: (name) => name,
  dueAt: () => 0,
  requeuePrefix: (name) => name.slice(0, -10),
};

export function priorityPrefix(priority: number): string {
  if (!Number.isInteger(priority) || priority < -0x80000000 || priority > 0x7fffffff) {
    throw new InvalidArgumentError('priority', 'priority must be a 32-bit integer');
  }
  const hex = (priority >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${ITEM_PREFIX}${priority >= 0 ? '1' : '0'}${hex}`;
}

/**
 * DistributedDelayQueue: `queue-|<epoch ms as %08X>|` + sequence. Ordered by due time (ties by
 * sequence); only items due now are taken. A name without the time is due at once (Curator's
 * own requeue writes those).
 */
export const DELAY: Naming = {
  sortKey: (name) => `${DELAY.dueAt(name).toString(16).padStart(14, '0')}${sequenceOf(name)}`,
  dueAt: (name) => {
    const t = between(name);
    const n = t === undefined ? NaN : parseInt(t, 16);
    return Number.isFinite(n) ? n : 0;
  },
  requeuePrefix: (name) => name.slice(0, -10),
};

export function delayPrefix(dueAt: number | Date): string {
  const ms = dueAt instanceof Date ? dueAt.getTime() : dueAt;
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new InvalidArgumentError('dueAt', 'dueAt must be a Date or ms since the epoch (>= 0)');
  }
  return `${ITEM_PREFIX}|${ms.toString(16).toUpperCase().padStart(8, '0')}|`;
}

/** DistributedIdQueue: `queue-|<id>|` + sequence, ordered as if `|id|` were not there (FIFO). */
export const ID: Naming = {
  sortKey: (name) => {
    const id = between(name);
    return id === undefined ? name : name.replace(`|${id}|`, '');
  },
  dueAt: () => 0,
  requeuePrefix: (name) => name.slice(0, -10), // keeps `|id|` (Curator's CURATOR-224 fix)
};

/** Curator replaces `/` and `|` in ids with `_` (a name cannot hold `/`; `|` delimits the id). */
export function idPrefix(id: string): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidArgumentError('id', 'id must be a non-empty string');
  }
  return `${ITEM_PREFIX}|${id.replace(/[/|]/g, '_')}|`;
}

/** The id an IdQueue item was put with (after Curator's replacements). */
export function idOf(name: string): string | undefined {
  return name.startsWith(`${ITEM_PREFIX}|`) ? between(name) : undefined;
}
