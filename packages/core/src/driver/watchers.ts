/**
 * The one-shot watches a session holds on the server, by path: core's table, installed as the
 * package's `watcherManager` (docs/low-level-client.md, "Removed watches re-armed"). The package only reads it when it (re)connects, to
 * build SetWatches from the paths here; registrations, notifications and removals are core's.
 * Notifications come straight from ./reader.ts, so an event no longer passes through the
 * package's WatcherManager and its Event objects on the way to core's watchers (ADR 0015 says
 * why core still keeps a second, client-wide table of the watches it promised callers).
 *
 * The rules are the package's WatcherManager's (a watch fires once and leaves the table; which
 * events fire which kinds), so SetWatches re-arms exactly what it did.
 */
import type { WatchEvent, WatchEventType } from '../types.js';
import type { NzcEvent, NzcWatcherTable } from './nzc.js';

export type WatchFn = (e: WatchEvent) => void;

/** data: getData, and exists on a node; exist: exists on no node; child: getChildren. */
export type WatchTableKind = 'data' | 'exist' | 'child';

/** The node events a server notifies (Watcher.Event.EventType 1-4). */
const EVENT_TYPES: Record<number, WatchEventType | undefined> = {
  1: 'NodeCreated',
  2: 'NodeDeleted',
  3: 'NodeDataChanged',
  4: 'NodeChildrenChanged',
};

export function eventType(code: number): WatchEventType | undefined {
  return EVENT_TYPES[code];
}

export class WatchTable implements NzcWatcherTable {
  /** `notify`: where every notification goes (./raw-session.ts), before the table's watchers. */
  constructor(private readonly notify: (n: NzcEvent) => void) {}

  private readonly data = new Map<string, WatchFn[]>();
  private readonly exist = new Map<string, WatchFn[]>();
  private readonly child = new Map<string, WatchFn[]>();

  private table(kind: WatchTableKind): Map<string, WatchFn[]> {
    return kind === 'data' ? this.data : kind === 'exist' ? this.exist : this.child;
  }

  /** Adds a watcher once the server has set its watch (the same function once per path). */
  register(kind: WatchTableKind, path: string, fn: WatchFn): void {
    const t = this.table(kind);
    const list = t.get(path);
    if (!list) t.set(path, [fn]);
    else if (!list.includes(fn)) list.push(fn);
  }

  /** Forgets the watchers of `path` (removeWatches took them off the server: not re-armed). */
  forget(path: string, type: 'data' | 'children' | 'any'): void {
    if (type !== 'children') {
      this.data.delete(path);
      this.exist.delete(path);
    }
    if (type !== 'data') this.child.delete(path);
  }

  /**
   * Fires and removes the watchers a node event concerns, as the package did: created or data
   * changed fire data and exist watchers, deleted fires data and child watchers, children
   * changed fires child watchers. Other event types (which servers do not send) fire nothing.
   */
  dispatch(e: WatchEvent): void {
    const fired: WatchFn[][] = [];
    const take = (t: Map<string, WatchFn[]>) => {
      const list = t.get(e.path);
      if (!list) return;
      t.delete(e.path);
      fired.push(list);
    };
    switch (e.type) {
      case 'NodeCreated':
      case 'NodeDataChanged':
        take(this.data);
        take(this.exist);
        break;
      case 'NodeDeleted':
        take(this.data);
        take(this.child);
        break;
      case 'NodeChildrenChanged':
        take(this.child);
        break;
      default:
        return;
    }
    for (const list of fired) for (const fn of list) fn(e);
  }

  /**
   * The package's own frame reading calls this with a notification, should it ever read one
   * (./reader.ts leaves it only frames before CONNECTED); ./reader.ts calls `notify` directly.
   */
  emit(n: NzcEvent): void {
    this.notify(n);
  }

  // What the package's ConnectionManager calls when it builds SetWatches (line 341-352).
  isEmpty(): boolean {
    return this.data.size === 0 && this.exist.size === 0 && this.child.size === 0;
  }
  getDataWatcherPaths(): string[] {
    return [...this.data.keys()];
  }
  getExistenceWatcherPaths(): string[] {
    return [...this.exist.keys()];
  }
  getChildWatcherPaths(): string[] {
    return [...this.child.keys()];
  }
}
