import {
  InvalidArgumentError,
  NodeExistsError,
  NoNodeError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import { childPath, KeptNode, Lifecycle, localAddress, sleep } from '@zk-recipes/core/recipe';

/** The TTL child a PersistentTtlNode touches (Curator's name). */
export const TOUCH_NODE = 'touch';

/** Options of a {@link PersistentTtlNode}. */
export interface PersistentTtlNodeOptions {
  /** The container's data. Default: empty. */
  data?: Buffer | string;
  /** How often to touch, in ms. Default: ttlMs / 2 (Curator's). */
  touchEveryMs?: number;
}

type Events = { error: [error: unknown] };

/**
 * A node that lives while this process touches it (Curator's PersistentTtlNode layout): `path`
 * is a container with the data, and its child `touch` a persistent node with a TTL, touched
 * (its data set) every `ttlMs / 2`. When the process stops touching, `touch` expires after
 * `ttlMs` and the server then reaps the empty container. Needs a server with TTL nodes enabled
 * (`extendedTypesEnabled`).
 *
 * Better than Curator's: the container and the first touch are created in one transaction, so
 * a process that dies at once leaves nothing (Curator's first touch came only after ttl/2, and
 * a container that never had a child is never reaped: CURATOR-545). close() stops touching and
 * leaves the nodes to expire, as Curator's does.
 *
 * @example
 * await using lease = new PersistentTtlNode(client, '/jobs/worker-3', 10_000, { data: 'busy' });
 * await lease.start();
 */
export class PersistentTtlNode extends Lifecycle<Events> {
  private readonly touchEveryMs: number;
  private running: Promise<void> | undefined;
  private readonly node: KeptNode;

  constructor(
    private readonly client: ZkClient,
    path: string,
    readonly ttlMs: number,
    options: PersistentTtlNodeOptions = {},
  ) {
    super('PersistentTtlNode', path);
    validatePath(path);
    if (path === '/') throw new InvalidArgumentError('path', 'the root cannot be kept');
    if (!(Number.isInteger(ttlMs) && ttlMs > 0 && ttlMs <= 0xffffffffff)) {
      throw new InvalidArgumentError('ttlMs', 'ttlMs must be an integer in 1..2^40-1', { path });
    }
    const every = options.touchEveryMs ?? Math.max(1, Math.floor(ttlMs / 2));
    if (!(Number.isInteger(every) && every > 0 && every < ttlMs)) {
      throw new InvalidArgumentError(
        'touchEveryMs',
        'touchEveryMs must be an integer in 1..ttlMs-1',
        {
          path,
        },
      );
    }
    this.touchEveryMs = every;
    const d: unknown = options.data;
    if (d !== undefined && typeof d !== 'string' && !Buffer.isBuffer(d)) {
      throw new InvalidArgumentError('data', 'data must be a Buffer or a string', { path });
    }
    this.node = new KeptNode(client, path, {
      mode: 'CONTAINER',
      data: d === undefined ? Buffer.alloc(0) : Buffer.from(d),
      // The container and its first touch in one transaction: nothing is left unreaped.
      children: (p) => [
        {
          op: 'create',
          path: childPath(p, TOUCH_NODE),
          data: localAddress(),
          mode: 'PERSISTENT_WITH_TTL',
          ttlMs,
        },
      ],
      removeOnClose: false,
    });
    this.node.on('error', (e) => this.report(e));
  }

  private get touchPath(): string {
    return childPath(this.path, TOUCH_NODE);
  }

  /** Creates the container with its first touch (one transaction) and keeps touching. */
  protected async onStart(): Promise<void> {
    await this.node.start();
    await this.touch();
    this.running = this.keep();
  }

  protected async onClose(): Promise<void> {
    await Promise.all([this.running, this.node.close()]);
  }

  private async keep(): Promise<void> {
    const signal = this.closeSignal;
    while (!signal.aborted) {
      try {
        await sleep(this.touchEveryMs, signal);
        await this.touch();
      } catch (e) {
        if (signal.aborted) return;
        this.report(e); // the next touch tries again
      }
    }
  }

  /** setData on `touch`; absent, it is made (the container, if gone, is the KeptNode's). */
  private async touch(): Promise<void> {
    const signal = this.closeSignal;
    const ip = localAddress();
    try {
      await this.client.setData(this.touchPath, ip, { signal });
      return;
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
    try {
      await this.client.create(this.touchPath, ip, {
        mode: 'PERSISTENT_WITH_TTL',
        ttlMs: this.ttlMs,
        signal,
      });
    } catch (e) {
      // Made meanwhile, or the container reaped: the KeptNode makes both again.
      if (!(e instanceof NodeExistsError || e instanceof NoNodeError)) throw e;
    }
  }
}
