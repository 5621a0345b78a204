import {
  DataTooLargeError,
  InvalidArgumentError,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  validatePath,
  type Stat,
  type ZkClient,
} from '@zk-recipes/core';
import {
  Deadline,
  Lifecycle,
  RELEASE_BOUND_MS,
  sleep,
  waitFor,
  waitForNode,
  type WaitOptions,
} from '@zk-recipes/core/recipe';
import { NodeConflictError } from './errors.js';

/** Options of a {@link PersistentNode}. */
export interface PersistentNodeOptions {
  /** EPHEMERAL (default: gone with the process, re-created after a session loss) or PERSISTENT. */
  mode?: 'EPHEMERAL' | 'PERSISTENT';
  /** The node's data. Default: empty. */
  data?: Buffer | string;
}

type Events = {
  /** The node was created (first, or again after it went). */
  created: [path: string];
  /** The node is held by another session: we wait for it to go, then create ours. */
  conflict: [error: NodeConflictError];
  error: [error: unknown];
};

const toData = (d: unknown, field: string): Buffer => {
  if (d === undefined) return Buffer.alloc(0);
  if (typeof d === 'string') return Buffer.from(d);
  if (Buffer.isBuffer(d)) return d;
  throw new InvalidArgumentError(field, `${field} must be a Buffer or a string`);
};

/**
 * A node kept in place while the process lives (Curator's PersistentNode): created on start(),
 * created again when it is deleted or its session ends, deleted on close(). Better than
 * Curator's:
 * - it never adopts another live session's node: a node it did not make rejects start() with
 *   {@link NodeConflictError} (and later ones emit `conflict`), and it waits for that node to
 *   go instead of overwriting it (CURATOR-154 made Curator set its data on NodeExists);
 * - a reconnect on the same session sends nothing: its watch says whether anything changed
 *   (Curator re-creates and sets the data on every reconnect, so every watcher fires).
 *
 * @example
 * await using node = new PersistentNode(client, '/services/api/instance-1', { data: 'host:8080' });
 * await node.start();
 */
export class PersistentNode extends Lifecycle<Events> {
  private data: Buffer;
  private readonly mode: 'EPHEMERAL' | 'PERSISTENT';
  /** The Stat of our node while we believe it is in place. */
  private ours: Stat | undefined;
  private running: Promise<void> | undefined;
  private readonly placed = new EventTarget();

  constructor(
    private readonly client: ZkClient,
    path: string,
    options: PersistentNodeOptions = {},
  ) {
    super('PersistentNode', path);
    validatePath(path);
    if (path === '/') throw new InvalidArgumentError('path', 'the root cannot be kept');
    const mode = options.mode ?? 'EPHEMERAL';
    if (mode !== 'EPHEMERAL' && mode !== 'PERSISTENT') {
      throw new InvalidArgumentError('mode', 'mode must be EPHEMERAL or PERSISTENT');
    }
    this.mode = mode;
    this.data = toData(options.data, 'data');
  }

  /** Whether our node is in place now (as far as this process knows). */
  get isPlaced(): boolean {
    return this.ours !== undefined;
  }

  /**
   * Creates the node and keeps it. Resolves once it is in place; rejects with
   * NodeConflictError when another session holds the path (the recipe then waits for that
   * node to go and creates ours; close() it to stop).
   */
  protected async onStart(): Promise<void> {
    const first = this.place(); // throws a conflict to start()'s caller
    this.running = first.then(
      () => this.keep(),
      (e: unknown) => (this.closeSignal.aborted ? undefined : this.keep(e)),
    );
    await first;
  }

  /**
   * Resolves true once the node is in place, false at `timeoutMs` (Curator's
   * waitForInitialCreate); rejects with the signal's reason on abort.
   */
  async waitForPlaced(options: WaitOptions = {}): Promise<boolean> {
    const deadline = Deadline.of(options);
    if (this.ours) return true;
    const r = await waitFor<boolean>(deadline, (settle) => {
      const on = () => settle(true);
      this.placed.addEventListener('placed', on);
      return () => this.placed.removeEventListener('placed', on);
    });
    return r === true;
  }

  /** Sets the node's data (kept for every later re-creation too). */
  async setData(data: Buffer | string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const next = toData(data, 'data');
    const previous = this.data;
    this.data = next;
    if (this.ours) {
      try {
        this.ours = await this.client.setData(this.path, next, options.signal ? options : {});
      } catch (e) {
        // Data over the packet limit is refused before sending: keep the data that fits, or
        // every later re-creation would fail the same way.
        if (e instanceof DataTooLargeError && this.data === next) this.data = previous;
        throw e;
      }
    }
  }

  /** The node's data as we keep it. */
  getData(): Buffer {
    return this.data;
  }

  protected async onClose(): Promise<void> {
    await this.running;
    const was = this.ours;
    this.ours = undefined;
    if (!was) return;
    // Deleted within the release bound: close stays quick when ZooKeeper is gone (the
    // ephemeral then goes with its session).
    const del = this.client.delete(this.path, { version: was.version }).catch(() => undefined);
    await Promise.race([del, sleep(RELEASE_BOUND_MS).catch(() => undefined)]);
  }

  /** Keeps the node: waits for it to go (or its session to end) and places it again. */
  private async keep(pending?: unknown): Promise<void> {
    const signal = this.closeSignal;
    let error = pending;
    for (let failures = 0; !signal.aborted;) {
      try {
        if (error instanceof NodeConflictError) {
          // Not ours: wait until it is gone (its session ended, it was deleted).
          await waitForNode(this.client, this.path, (s) => s === null, { signal });
        } else if (error !== undefined) {
          this.report(error);
          await sleep(Math.min(100 * 2 ** failures++, 5_000), signal);
        } else {
          // Ours is in place: a watch on it, nothing sent on a reconnect of the same session.
          await waitForNode(this.client, this.path, (s) => !this.isOurs(s), { signal });
        }
        this.ours = undefined;
        error = undefined;
        await this.place();
        failures = 0;
      } catch (e) {
        if (signal.aborted) return;
        this.ours = undefined;
        error = e instanceof SessionExpiredError ? undefined : e;
        if (e instanceof SessionExpiredError) await this.place().catch((p: unknown) => (error = p));
      }
    }
  }

  private isOurs(stat: Stat | null): boolean {
    if (!stat) return false;
    if (this.mode === 'PERSISTENT') return stat.ephemeralOwner === 0n;
    return stat.ephemeralOwner === this.client.session?.sessionId;
  }

  /** Creates our node, or recognises it as ours; NodeConflictError when it is someone else's. */
  private async place(): Promise<void> {
    const signal = this.closeSignal;
    for (;;) {
      try {
        const { stat } = await this.client.create(this.path, this.data, {
          mode: this.mode,
          createParents: true,
          signal,
        });
        this.placed.dispatchEvent(new Event('placed'));
        this.ours = stat;
        this.emit('created', this.path);
        return;
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
      }
      let found: { data: Buffer; stat: Stat };
      try {
        found = await this.client.getData(this.path, { signal });
      } catch (e) {
        if (e instanceof NoNodeError) continue; // gone meanwhile: create again
        throw e;
      }
      if (!this.isOurs(found.stat)) {
        const conflict = new NodeConflictError(this.path, found.stat.ephemeralOwner);
        this.emit('conflict', conflict);
        throw conflict;
      }
      // Ours (a create whose reply was lost, or a persistent node we made before): write only
      // what differs.
      this.ours = found.data.equals(this.data)
        ? found.stat
        : await this.client.setData(this.path, this.data, {
            version: found.stat.version,
            signal,
          });
      this.placed.dispatchEvent(new Event('placed'));
      return;
    }
  }
}
