/**
 * `watch <path>`: inspect's view, redrawn on every change. The changes come from one
 * persistent recursive watch on the path (and on the queue's lock path when given): nothing is
 * polled. Once the connection is back after a loss and the watches are back on the server, the
 * view is read again (a `Resync`, one per reconnection). On a terminal the screen is redrawn, and
 * a lost connection shows in its status line at once; otherwise (or with --json) each change
 * prints one JSON line.
 */
import {
  NoNodeError,
  type PersistentWatch,
  type PersistentWatchEvent,
  type ZkClient,
} from '@zk-recipes/core';
import { inspectLines, type InspectResult } from '../inspect.js';
import { jsonText, type Io } from '../io.js';
import type { InspectHints } from '../layouts/types.js';
import { defaultLockPath } from '../layouts/queue-names.js';
import { keepLayouts } from './inspect.js';

const CLEAR = '\x1b[H\x1b[2J';

export async function watch(
  client: ZkClient,
  path: string,
  hints: InspectHints,
  as: string | undefined,
  json: boolean,
  io: Io,
): Promise<void> {
  const tty = io.stdout.isTTY === true && !json;
  let changes = 0;
  let state: string = client.state;
  let failure: ((e: unknown) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (failure = reject));
  failed.catch(() => undefined); // raced below; never unhandled

  let shown: { lines: string[]; at: string } | undefined; // the view on the screen (terminal)
  const draw = (lines: string[], at: string) => {
    shown = { lines, at };
    io.stdout.write(
      `${CLEAR}${lines.join('\n')}\n\n-- watching ${path} (${client.connectedServer ?? 'disconnected'}, ${state}); ` +
        `${changes} change(s), last ${at.slice(11, 19)} UTC; Ctrl-C to quit\n`,
    );
  };
  const render = async (event: PersistentWatchEvent | null) => {
    let view: { result: InspectResult; lines: string[] } | null;
    try {
      view = await inspectLines(client, path, hints);
      view = { ...view, ...keepLayouts(view, as) };
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      view = null; // not there (yet): the recursive watch reports its creation
    }
    const at = new Date().toISOString();
    if (!tty) {
      io.stdout.write(`${jsonText({ at, event, state, inspect: view?.result ?? null })}\n`);
      return;
    }
    draw(view?.lines ?? [path, '  no node here (yet): waiting for it'], at);
  };

  // One render at a time; events during one make exactly one more (a burst is one redraw).
  let running: Promise<void> | undefined;
  let pending: PersistentWatchEvent | null | undefined;
  const schedule = (event: PersistentWatchEvent | null) => {
    pending = event;
    if (running) return;
    running = (async () => {
      while (pending !== undefined) {
        const e = pending;
        pending = undefined;
        await render(e);
      }
    })()
      .catch((e: unknown) => failure!(e))
      .finally(() => (running = undefined));
  };

  // After a reconnection core puts each persistent watch back on the server and then tells
  // each its `Resync`, all in one go: the view is read once for them all, and only then, when
  // no change can fall between the read and the watch (reading on the state change as well
  // printed the same view twice).
  let resyncing = false;
  const onEvent = (e: PersistentWatchEvent) => {
    if (e.type === 'Resync') {
      if (resyncing) return;
      resyncing = true;
      setImmediate(() => (resyncing = false));
    }
    changes++;
    schedule(e);
  };
  const offState = client.onStateChange(({ state: s }) => {
    state = s;
    // The status line says it at once; the view waits for the watches' Resync.
    if (tty && shown && !running && s !== 'CLOSED') draw(shown.lines, shown.at);
  });
  const watches: PersistentWatch[] = [];
  try {
    watches.push(await client.addWatch(path, onEvent, { mode: 'persistentRecursive' }));
    // A queue's items in flight: the named lock path, else our queue's default sibling, which
    // inspect reads when it exists (a watch on a missing path fires once it is created).
    const lockPath = hints.lockPath ?? (path === '/' ? undefined : defaultLockPath(path));
    if (lockPath) {
      watches.push(await client.addWatch(lockPath, onEvent, { mode: 'persistentRecursive' }));
    }
    schedule(null);
    await Promise.race([io.stopped, failed]);
    await running;
  } finally {
    offState();
    await Promise.all(watches.map((w) => w.remove().catch(() => undefined)));
  }
}
