import { InvalidArgumentError, validatePath, type ZkClient } from '@zk-recipes/core';
import { KeptNode, Lifecycle, type WaitOptions } from '@zk-recipes/core/recipe';
import type { NodeConflictError } from './errors.js';

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
 * created again when it is deleted or its session ends, deleted on close(). The kit's KeptNode
 * does the keeping (its rules: packages/core/src/kit/kept-node.ts). Better than Curator's:
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
  private readonly node: KeptNode;
  private startSignal: AbortSignal | undefined;

  constructor(client: ZkClient, path: string, options: PersistentNodeOptions = {}) {
    super('PersistentNode', path);
    validatePath(path);
    if (path === '/') throw new InvalidArgumentError('path', 'the root cannot be kept');
    const mode = options.mode ?? 'EPHEMERAL';
    if (mode !== 'EPHEMERAL' && mode !== 'PERSISTENT') {
      throw new InvalidArgumentError('mode', 'mode must be EPHEMERAL or PERSISTENT');
    }
    this.node = new KeptNode(client, path, { mode, data: toData(options.data, 'data') });
    this.node.on('placed', (p, how) => how === 'created' && this.emit('created', p));
    this.node.on('conflict', (e) => this.emit('conflict', e));
    this.node.on('error', (e) => this.report(e));
  }

  /** Whether our node is in place now (as far as this process knows). */
  get isPlaced(): boolean {
    return this.node.isPlaced;
  }

  /**
   * Creates the node and keeps it. Resolves once it is in place; rejects with
   * NodeConflictError when another session holds the path (the recipe then waits for that
   * node to go and creates ours; close() it to stop). `signal` ends the wait (the node is
   * still kept: close() it to stop).
   */
  override start(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.startSignal = options.signal;
    return super.start();
  }

  protected onStart(): Promise<void> {
    return this.node.start(this.startSignal ? { signal: this.startSignal } : {});
  }

  /**
   * Resolves true once the node is in place, false at `timeoutMs` (Curator's
   * waitForInitialCreate); rejects with the signal's reason on abort. Every call of a closed
   * node (this one and those below) throws or rejects with RecipeClosedError.
   */
  async waitForPlaced(options: WaitOptions = {}): Promise<boolean> {
    this.throwIfClosed();
    return this.node.waitForPlaced(options);
  }

  /** Sets the node's data (kept for every later re-creation too). */
  async setData(data: Buffer | string, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.throwIfClosed();
    return this.node.setData(toData(data, 'data'), options);
  }

  /** The node's data as we keep it. */
  getData(): Buffer {
    this.throwIfClosed();
    return this.node.getData();
  }

  protected onClose(): Promise<void> {
    return this.node.close();
  }
}
