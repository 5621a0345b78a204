/**
 * Curator's queue item frame (DistributedQueue's ItemSerializer; docs/cli.md, "Formats"), read
 * with @zk-recipes/queue's own decoder so a change of the frame breaks this build, not its
 * users: one node may hold several items (Curator's putMulti), and bytes after the end marker
 * are ignored as Java readers ignore them (our queue keeps a requeued item's failed deliveries
 * there).
 */
import { decodeFrame, type Frame } from '@zk-recipes/queue';

/** The frame of a queue node's data (items and failed deliveries), or undefined when not one. */
export function readItemFrame(data: Buffer): Frame | undefined {
  try {
    return decodeFrame(data, '');
  } catch {
    return undefined; // CorruptItemError: not a frame (a wrong version, opcode or length)
  }
}

/** The items of a queue node's data, or undefined when the data is not a well-formed frame. */
export function decodeItemFrame(data: Buffer): Buffer[] | undefined {
  return readItemFrame(data)?.items;
}
