/**
 * One-shot watches (getData, exists, getChildren) as core promises them: each fires exactly once,
 * with its event, or with `SessionLost` when its session dies first (node-zookeeper-client never
 * tells pending watchers: docs/low-level-client.md, "Session expiry"; upstream #104), or with
 * `WatchRemoved` when removeWatches() takes it away.
 */
import type { RawSession } from './driver/raw-session.js';
import * as requests from './driver/requests.js';
import { traced } from './framework/observability.js';
import { safely, type ListenerErrorReporter } from './persistent-watches.js';
import { InvalidArgumentError } from './errors.js';
import type { Watcher, WatchEvent } from './types.js';

/** data: getData and exists watches; children: getChildren watches. */
export type WatchKind = 'data' | 'children';

interface Entry {
  raw: RawSession;
  path: string;
  kind: WatchKind;
  fire: Watcher;
}

/** A registered watch: `fn` goes to the driver, `cancel` undoes it when the request fails. */
export interface ArmedWatch {
  fn: (e: WatchEvent) => void;
  cancel(): void;
}

export class OneShotWatches {
  private readonly entries = new Set<Entry>();

  constructor(private readonly report: ListenerErrorReporter) {}

  /** Registers `watch` (if any) for a request about to be sent on `raw`. */
  arm(
    raw: RawSession,
    path: string,
    watch: Watcher | undefined,
    kind: WatchKind,
  ): ArmedWatch | undefined {
    if (watch === undefined) return undefined;
    if (typeof watch !== 'function')
      throw new InvalidArgumentError('watch', 'watch must be a function');
    const entry: Entry = { raw: raw.self, path, kind, fire: watch };
    this.entries.add(entry);
    return {
      fn: (e) => {
        if (this.entries.delete(entry)) safely(watch, { type: e.type, path: e.path }, this.report);
      },
      cancel: () => void this.entries.delete(entry),
    };
  }

  /** How many watches of `kind` on `path` the session has pending. */
  count(raw: RawSession, path: string, kind: WatchKind): number {
    let n = 0;
    for (const w of this.entries) if (w.raw === raw.self && w.path === path && w.kind === kind) n++;
    return n;
  }

  /** Every watch of the lost session hears SessionLost, once. */
  sessionLost(raw: RawSession | undefined): void {
    const self = raw?.self;
    this.fireWhere((w) => w.raw === self, 'SessionLost');
  }

  /**
   * Removes the session's watches on `path`: on the server, and from the session's table too
   * (driver/watchers.ts), which would otherwise re-arm them with SetWatches on the next
   * reconnect (docs/low-level-client.md, "Removed watches re-armed"). Each removed watcher hears WatchRemoved, once.
   */
  async remove(
    raw: RawSession,
    path: string,
    type: WatchKind | 'any',
    timeoutMs?: number,
  ): Promise<void> {
    const kind = { children: 1, data: 2, any: 3 }[type];
    await traced('removeWatches', path, () => requests.removeWatches(raw, path, kind, timeoutMs));
    raw.forgetWatches(path, type);
    this.fireWhere(
      (w) => w.raw === raw.self && w.path === path && (type === 'any' || w.kind === type),
      'WatchRemoved',
    );
  }

  private fireWhere(match: (w: Entry) => boolean, type: 'SessionLost' | 'WatchRemoved'): void {
    for (const w of [...this.entries]) {
      if (!match(w)) continue;
      this.entries.delete(w);
      safely(w.fire, { type, path: w.path }, this.report);
    }
  }
}

/** Runs a watched request, undoing the watch's registration when the request fails. */
export async function withWatch<T>(
  armed: ArmedWatch | undefined,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    armed?.cancel();
    throw e;
  }
}
