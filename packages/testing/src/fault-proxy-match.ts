// What dropNextReply is told to look for, and how a request frame is matched against it.
import { OpCode } from './wire/jute.js';

/** Names accepted by {@link FaultProxy.dropNextReply}; `create` matches every create opcode. */
export type RequestOpName = keyof typeof OpCode;

/** Which request's reply `dropNextReply` drops: by operation and path. */
export interface RequestMatch {
  /** Operation name or raw opcode. */
  op: RequestOpName | number;
  /** Only requests whose path equals this string or matches this pattern. */
  path?: string | RegExp;
}

/** The request whose reply was dropped. */
export interface DroppedRequest {
  xid: number;
  opcode: number;
  path: string | undefined;
}

/** How {@link FaultProxy.dropNextReply} drops a reply. */
export interface DropOptions {
  /**
   * Deliver this many of the reply's first bytes before the connection is cut (a reply cut off
   * mid-frame); default 0, none of it.
   */
  deliverBytes?: number;
}

const CREATE_OPS: readonly number[] = [
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
];
/** Requests whose body starts with the path (so a path match can be made). */
const PATH_FIRST: ReadonlySet<number> = new Set([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, 17, 18, 19, 20, 21, 103, 104, 106,
]);

export function matches(m: RequestMatch, opcode: number, path: string | undefined): boolean {
  const ok =
    typeof m.op === 'number'
      ? m.op === opcode
      : m.op === 'create'
        ? CREATE_OPS.includes(opcode)
        : OpCode[m.op] === opcode;
  if (!ok) return false;
  if (m.path === undefined) return true;
  if (path === undefined) return false;
  return typeof m.path === 'string' ? m.path === path : m.path.test(path);
}

export function requestPath(frame: Buffer, opcode: number): string | undefined {
  if (!PATH_FIRST.has(opcode) || frame.length < 16) return undefined;
  const n = frame.readInt32BE(12);
  if (n < 0 || frame.length < 16 + n) return undefined;
  return frame.toString('utf8', 16, 16 + n);
}
