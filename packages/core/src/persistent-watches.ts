/**
 * Persistent and persistent-recursive watches (ZooKeeper 3.6+, addWatch). node-zookeeper-client
 * knows nothing of them: core sends addWatch itself, sees their events through the raw event
 * hook, and re-adds them after every reconnect, because the package's SetWatches (v1) does not
 * carry them and events in the gap are lost: listeners then get a `Resync` event, their cue to
 * read the state again (docs/failure-modes.md, 6: watch caveats).
 */
import type { RawSession } from './driver/raw-session.js';
import * as requests from './driver/requests.js';
import { traced } from './framework/observability.js';
import type { WatchEvent } from './types.js';

/** `persistent`: the node's own changes and its children list; `persistentRecursive`: every change under the path. */
export type PersistentWatchMode = 'persistent' | 'persistentRecursive';

/** What a persistent watch heard; `Resync` after a reconnect: events may have been missed, read again. */
export type PersistentWatchEventType =
  | 'NodeCreated'
  | 'NodeDeleted'
  | 'NodeDataChanged'
  | 'NodeChildrenChanged'
  /** Events may have been missed (reconnect or new session): read the state again. */
  | 'Resync';

/** One event of a persistent watch. */
export interface PersistentWatchEvent {
  type: PersistentWatchEventType;
  path: string;
}

/** Called with every event of a persistent watch until it is removed. */
export type PersistentWatchListener = (e: PersistentWatchEvent) => void;

interface Entry {
  path: string;
  mode: PersistentWatchMode;
  listeners: Set<PersistentWatchListener>;
  /** The addWatch that armed it; later listeners wait for it too. */
  armed?: Promise<void>;
}

export const key = (path: string, mode: PersistentWatchMode) => `${mode}\u0000${path}`;

/** Where an error thrown by a user's listener is reported (the client's logger). */
export type ListenerErrorReporter = (error: unknown) => void;

/**
 * Calls a user's listener. One that throws must not break the dispatch (we may be inside the
 * socket's data handler or a timer) or the other listeners, nor crash the host process: its
 * error goes to `report`.
 */
export function safely<E>(listener: (e: E) => void, event: E, report: ListenerErrorReporter): void {
  try {
    listener(event);
  } catch (err) {
    report(err);
  }
}

function covers(e: Entry, path: string): boolean {
  if (e.path === path) return true;
  if (e.mode !== 'persistentRecursive') return false;
  return e.path === '/' || path.startsWith(`${e.path}/`);
}

export class PersistentWatches {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly report: ListenerErrorReporter) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds a listener; true when this is the first for that path and mode (send addWatch). */
  private add(path: string, mode: PersistentWatchMode, listener: PersistentWatchListener): boolean {
    const k = key(path, mode);
    const e = this.entries.get(k);
    if (e) {
      e.listeners.add(listener);
      return false;
    }
    this.entries.set(k, { path, mode, listeners: new Set([listener]) });
    return true;
  }

  /** Removes a listener; true when it was the last (send removeWatches). */
  private remove(
    path: string,
    mode: PersistentWatchMode,
    listener: PersistentWatchListener,
  ): boolean {
    const k = key(path, mode);
    const e = this.entries.get(k);
    if (!e?.listeners.delete(listener)) return false;
    if (e.listeners.size > 0) return false;
    this.entries.delete(k);
    return true;
  }

  /** Delivers a node event (the driver passes no other) to every watch that covers its path. */
  dispatch(raw: WatchEvent): void {
    const type = raw.type;
    if (type === 'SessionLost' || type === 'WatchRemoved') return;
    for (const e of this.entries.values()) {
      // Recursive watches never report children changes (ZooKeeper's AddWatchMode contract).
      if (type === 'NodeChildrenChanged' && e.mode === 'persistentRecursive') continue;
      if (!covers(e, raw.path)) continue;
      for (const l of [...e.listeners]) safely(l, { type, path: raw.path }, this.report);
    }
  }

  /** Adds a listener, sending addWatch when it is the first for that path and mode. */
  async watch(
    raw: RawSession,
    path: string,
    mode: PersistentWatchMode,
    listener: PersistentWatchListener,
    timeoutMs?: number,
  ): Promise<void> {
    const first = this.add(path, mode, listener);
    const entry = this.entries.get(key(path, mode))!;
    const wire = mode === 'persistent' ? 0 : 1;
    if (first)
      entry.armed = traced('addWatch', path, () => requests.addWatch(raw, path, wire, timeoutMs));
    try {
      await entry.armed;
    } catch (e) {
      this.remove(path, mode, listener);
      throw e;
    }
  }

  /** Removes a listener, and the server's watch with the last one (best effort). */
  async unwatch(
    raw: RawSession,
    path: string,
    mode: PersistentWatchMode,
    listener: PersistentWatchListener,
  ): Promise<void> {
    if (!this.remove(path, mode, listener)) return;
    // Type 3 (any) is the only one 3.6-3.8 servers accept for persistent watches, and it
    // removes every watch of this session on the path: keep it while the other mode is in use
    // there (its events are filtered here). It also removes a one-shot watch this session
    // holds on exactly this path (docs/core.md).
    const other: PersistentWatchMode = mode === 'persistent' ? 'persistentRecursive' : 'persistent';
    if (this.entries.has(key(path, other))) return;
    await traced('removeWatches', path, () => requests.removeWatches(raw, path, 3)).catch(
      () => undefined,
    );
  }

  /**
   * After a reconnect or a new session: the package's SetWatches (v1) does not carry persistent
   * watches, so add them again, then tell every listener to read again.
   */
  async rearm(raw: RawSession): Promise<void> {
    for (const e of [...this.entries.values()]) {
      const wire = e.mode === 'persistent' ? 0 : 1;
      await traced('addWatch', e.path, () => requests.addWatch(raw, e.path, wire)).catch(
        () => undefined,
      );
    }
    for (const e of this.entries.values()) {
      for (const l of [...e.listeners]) safely(l, { type: 'Resync', path: e.path }, this.report);
    }
  }
}
