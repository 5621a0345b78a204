// A shared checker for mutual exclusion across processes, on the local file system (whose
// operations are atomic and totally ordered for every process on this machine):
//
// - A holder creates `holder` with O_CREAT|O_EXCL the moment its acquire resolves, and removes
//   it the moment it stops believing it holds: right before it calls release(), or inside the
//   abort listener of lease.signal (which runs synchronously when the client suspends). A
//   second holder that still believes while the first one does finds the file there: EEXIST.
// - Every entry and exit is appended to `events` (O_APPEND), so the file lists them in the
//   order they happened, with the fencing token of each grant: tokens must rise in that order.
//
// Unlike events reported over IPC, nothing here depends on when a message is delivered, so it
// catches two holders however short the overlap is, and never reports one that did not happen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How a holder stopped believing it holds. */
export type LeaveKind = 'release' | 'abort';

export interface ExclusionEvent {
  /** ms since the epoch, from the writer's clock (for diagnostics only). */
  at: number;
  who: string;
  kind: 'enter' | 'leave' | 'overlap';
  /** enter: the fencing token; leave: release or abort; overlap: who else held. */
  detail: string;
}

const now = () => performance.timeOrigin + performance.now();

function append(file: string, line: string): void {
  fs.appendFileSync(file, `${line}\n`);
}

/** What a worker calls while it holds: `leave()` is idempotent. */
export interface Claim {
  readonly exclusive: boolean;
  leave(kind: LeaveKind): void;
}

/** Records that `who` holds with `token` now; detects a holder that is still inside. */
export function enter(dir: string, who: string, token: bigint): Claim {
  const holder = path.join(dir, 'holder');
  const events = path.join(dir, 'events');
  let exclusive = true;
  try {
    fs.writeFileSync(holder, `${who} ${token}`, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    exclusive = false;
    let other = '?';
    try {
      other = fs.readFileSync(holder, 'utf8');
    } catch {
      /* it left between our create and this read: still an overlap */
    }
    append(events, `${now().toFixed(3)} ${who} overlap ${other.replace(/\s+/g, '/')}`);
  }
  append(events, `${now().toFixed(3)} ${who} enter ${token}`);
  let left = false;
  return {
    exclusive,
    leave(kind) {
      if (left) return;
      left = true;
      append(events, `${now().toFixed(3)} ${who} leave ${kind}`);
      if (exclusive) fs.unlinkSync(holder);
    },
  };
}

export interface ExclusionReport {
  events: ExclusionEvent[];
  /** Every grant, in grant order. */
  grants: { who: string; token: bigint; at: number }[];
  /** How many holders learned from lease.signal that they might no longer hold. */
  abortLeaves: number;
  /**
   * For each abort: ms from that holder's abort to the next grant to another process (from
   * the two processes' clocks, which are the same machine's).
   */
  abortLeads: number[];
}

/** The checker's folder; the parent creates it, hands it to the workers, then checks. */
export class ExclusionChecker implements Disposable {
  private constructor(readonly dir: string) {}

  static create(): ExclusionChecker {
    return new ExclusionChecker(fs.mkdtempSync(path.join(os.tmpdir(), 'zk-recipes-exclusion-')));
  }

  /** The events so far, in the order they happened. */
  events(): ExclusionEvent[] {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir, 'events'), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [at, who, kind, ...rest] = line.split(' ');
        return {
          at: Number(at),
          who: who!,
          kind: kind as ExclusionEvent['kind'],
          detail: rest.join(' '),
        };
      });
  }

  /**
   * Throws unless no two holders ever overlapped and the fencing tokens rose strictly in grant
   * order; returns the grants and the aborts.
   */
  verify(): ExclusionReport {
    const events = this.events();
    const problems: string[] = [];
    const grants: ExclusionReport['grants'] = [];
    let holder: string | undefined;
    let abortLeaves = 0;
    const abortLeads: number[] = [];
    let pendingAbort: { who: string; at: number } | undefined;
    for (const [i, e] of events.entries()) {
      if (e.kind === 'overlap') {
        problems.push(`#${i}: ${e.who} was granted while ${e.detail} still held`);
      } else if (e.kind === 'enter') {
        if (holder !== undefined) problems.push(`#${i}: ${e.who} entered while ${holder} held`);
        const token = BigInt(e.detail);
        const last = grants.at(-1);
        if (last && token <= last.token) {
          problems.push(`#${i}: token ${token} of ${e.who} after ${last.token} of ${last.who}`);
        }
        if (pendingAbort && pendingAbort.who !== e.who) {
          abortLeads.push(e.at - pendingAbort.at);
          pendingAbort = undefined;
        }
        grants.push({ who: e.who, token, at: e.at });
        holder = e.who;
      } else if (e.kind === 'leave') {
        if (holder === e.who) holder = undefined;
        if (e.detail === 'abort') {
          abortLeaves++;
          pendingAbort = { who: e.who, at: e.at };
        }
      }
    }
    if (problems.length > 0) {
      throw new Error(
        `mutual exclusion violated (${problems.length} findings, the first 20):\n${problems.slice(0, 20).join('\n')}`,
      );
    }
    return { events, grants, abortLeaves, abortLeads };
  }

  [Symbol.dispose](): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
