/**
 * Curator's queue item names (docs/cli.md, "Formats"): `queue-<seq>` (DistributedQueue),
 * `queue-<sign digit><%08X priority><seq>` (DistributedPriorityQueue, lowest first),
 * `queue-|<%08X epoch ms>|<seq>` (DistributedDelayQueue), `queue-|<id>|<seq>`
 * (DistributedIdQueue, `/` and `|` in the id replaced by `_`).
 */
import { ITEM_PREFIX } from '@zk-recipes/queue';

// Imported from the queue package: a change of its layout breaks this build, not its users.
export { defaultLockPath, ITEM_PREFIX } from '@zk-recipes/queue';

/** What an item's name says. `delay-or-id`: a hexadecimal id reads as a due time too. */
export type ItemName =
  | { variant: 'fifo'; seq: number }
  | { variant: 'priority'; priority: number; seq: number }
  | { variant: 'delay'; dueAt: number; seq: number }
  | { variant: 'id'; id: string; seq: number }
  | { variant: 'delay-or-id'; dueAt: number; id: string; seq: number };

const SEQ = '(-?\\d{10})';
const FIFO = new RegExp(`^${ITEM_PREFIX}${SEQ}$`);
const PRIORITY = new RegExp(`^${ITEM_PREFIX}([01])([0-9A-F]{8})${SEQ}$`);
const BARS = new RegExp(`^${ITEM_PREFIX}\\|([^|]*)\\|${SEQ}$`);
// Curator formats the due time with %08X: upper-case hexadecimal, at least 8 digits.
const HEX_TIME = /^[0-9A-F]{8,13}$/;

/** The item name's reading, or undefined for a name Curator's consumers skip as foreign. */
export function parseItemName(name: string): ItemName | undefined {
  let m = FIFO.exec(name);
  if (m) return { variant: 'fifo', seq: Number(m[1]) };
  m = PRIORITY.exec(name);
  if (m)
    return { variant: 'priority', priority: Number.parseInt(m[2]!, 16) | 0, seq: Number(m[3]) };
  m = BARS.exec(name);
  if (!m) return undefined;
  const middle = m[1]!;
  const seq = Number(m[2]);
  if (HEX_TIME.test(middle))
    return { variant: 'delay-or-id', dueAt: Number.parseInt(middle, 16), id: middle, seq };
  return { variant: 'id', id: middle, seq };
}
