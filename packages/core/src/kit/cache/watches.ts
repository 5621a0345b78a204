/**
 * The cache engine's watches on the server: one persistent watch (recursive below the path),
 * added with backoff until it is in, or, on a server without addWatch, the one-shot watches
 * the loader arms per node (`dataWatched`, `childWatched`); and their removal on close.
 */
import type { PersistentWatch } from '../../call-options.js';
import type { ZkClient } from '../../client.js';
import { NoWatcherError, ServerTooOldError, UnimplementedError } from '../../errors.js';
import type { PersistentWatchEvent } from '../../persistent-watches.js';
import { sleep } from '../abort.js';
import { isConnectionLoss } from './interrupted.js';
import type { CacheScope, CacheWatchMode } from './types.js';

/** The longest pause between two attempts to add the watch. */
const MAX_BACKOFF_MS = 5_000;

export class CacheWatches {
  /** perNode mode: the paths holding a data (or exists) watch, and a children watch. */
  readonly dataWatched = new Set<string>();
  readonly childWatched = new Set<string>();
  private watch: PersistentWatch | undefined;
  private inDoubt = false;

  constructor(
    private readonly client: ZkClient,
    private readonly path: string,
    private readonly scope: CacheScope,
    private readonly report: (e: unknown) => void,
  ) {}

  /**
   * Adds the persistent watch, backing off while it fails, until it is in or `signal` aborts
   * (then undefined, and no watch of ours is left). 'perNode' when the server has no addWatch.
   */
  async add(
    listener: (e: PersistentWatchEvent) => void,
    signal: AbortSignal,
  ): Promise<CacheWatchMode | undefined> {
    let delayMs = 100;
    const mode = this.scope === 'node' ? 'persistent' : 'persistentRecursive';
    for (;;) {
      if (signal.aborted) return undefined;
      try {
        this.watch = await this.client.addWatch(this.path, listener, { mode });
        this.inDoubt = false;
      } catch (e) {
        // The server's answer decides (a 3.5 server answers UNIMPLEMENTED); a client that
        // already knows the server's version refuses before sending.
        if (e instanceof UnimplementedError || e instanceof ServerTooOldError) return 'perNode';
        // A request that timed out or lost its connection may still reach the server.
        this.inDoubt = true;
        if (signal.aborted) return undefined;
        if (!isConnectionLoss(e)) this.report(e);
        // Never a busy loop (Curator's PersistentWatcher retries at once, forever, even after
        // close: CURATOR-729): back off, and stop with close.
        try {
          await sleep(delayMs, signal);
        } catch {
          return undefined;
        }
        delayMs = Math.min(delayMs * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (!signal.aborted) return 'persistent';
      await this.watch.remove().catch(() => undefined); // closed meanwhile
      return undefined;
    }
  }

  /** The session is gone, and every one-shot watch with it (each heard SessionLost). */
  sessionLost(): void {
    this.dataWatched.clear();
    this.childWatched.clear();
  }

  /** Removes every watch of ours: the work, to be bounded by the caller. */
  removeAll(): Promise<unknown>[] {
    const work: Promise<unknown>[] = [];
    if (this.watch) work.push(this.watch.remove().catch(() => undefined));
    else if (this.inDoubt) work.push(this.removeInDoubt());
    for (const p of this.dataWatched) work.push(this.unwatch(p, 'data'));
    for (const p of this.childWatched) work.push(this.unwatch(p, 'children'));
    this.sessionLost();
    return work;
  }

  /**
   * An addWatch that failed without an answer may have been applied (a partition delivers
   * it later): add it again and remove it through core, which sends removeWatches only when
   * no other listener of this client watches the path, so no watch is left on the server.
   */
  private async removeInDoubt(): Promise<void> {
    const mode = this.scope === 'node' ? 'persistent' : 'persistentRecursive';
    try {
      const w = await this.client.addWatch(this.path, () => undefined, { mode });
      await w.remove();
    } catch {
      // UNIMPLEMENTED, or the connection is gone: nothing of ours can be left then
    }
  }

  private async unwatch(path: string, type: 'data' | 'children'): Promise<void> {
    await this.client.removeWatches(path, { type }).catch((e: unknown) => {
      if (!(e instanceof NoWatcherError) && !isConnectionLoss(e)) this.report(e);
    });
  }
}
