import {
  BadVersionError,
  InvalidArgumentError,
  NodeExistsError,
  validatePath,
  type Stat,
  type ZkClient,
} from '@zk-recipes/core';
import {
  CacheEngine,
  eventStream,
  Lifecycle,
  setDataAtVersion,
  type CacheEvent,
  type WaitOptions,
} from '@zk-recipes/core/recipe';
import { INT, type Codec } from './codec.js';
import { bounded } from './bounded.js';

/** A value with the Stat it was read with (pass `stat.version` to trySet). */
export interface Versioned<T> {
  readonly value: T;
  readonly stat: Stat;
}

type Events = { error: [error: unknown] };

const BYTES: Codec<Buffer> = {
  bytes: 0,
  zero: Buffer.alloc(0),
  decode: (_p, d) => d,
  encode: (v) => v,
  add: (a) => a,
  negate: (a) => a,
  check(field, v) {
    if (typeof v === 'string') return Buffer.from(v);
    if (Buffer.isBuffer(v)) return v;
    throw new InvalidArgumentError(field, `${field} must be a Buffer or a string`);
  },
};

/**
 * A value in one node that every process reads and follows (Curator's SharedValue): created
 * with the seed if absent, then a view of the kit's cache engine on the node. Better than
 * Curator's: changes are told by the node's zxids, not its version, so it keeps following after
 * the node is deleted and made again (Curator stops) and after a version wraps.
 */
class SharedState<T, In> extends Lifecycle<Events> {
  private readonly engine: CacheEngine;
  private readonly seedBytes: Buffer;

  constructor(
    private readonly client: ZkClient,
    path: string,
    seed: In,
    private readonly codec: Codec<T>,
    recipe: string,
  ) {
    super(recipe, validatePath(path));
    this.seedBytes = codec.encode(codec.check('seed', seed));
    this.engine = new CacheEngine(client, path, { scope: 'node' });
    this.engine.on('error', (e) => this.report(e));
  }

  /** Creates the node with the seed if absent, then follows it; resolves once it is read. */
  protected async onStart(): Promise<void> {
    try {
      await this.client.create(this.path, this.seedBytes, {
        createParents: true,
        signal: this.closeSignal,
      });
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
    await this.engine.start();
    await this.engine.ready({ signal: this.closeSignal });
  }

  protected onClose(): Promise<void> {
    return this.engine.close();
  }

  /**
   * Waits for the first read (start() already does). Every call of a closed value (this one
   * and those below) throws or rejects with RecipeClosedError, and writes nothing.
   */
  async ready(options: WaitOptions = {}): Promise<void> {
    this.throwIfClosed();
    return this.engine.ready(options);
  }

  /** The value and its Stat as last seen; undefined while the node does not exist. */
  get current(): Versioned<T> | undefined {
    const n = this.engine.get(this.path);
    if (!n?.data) return undefined;
    return { value: this.codec.decode(this.path, n.data), stat: n.stat };
  }

  /** Sets the value whatever it was (Curator's setValue / setCount). */
  async set(value: In, options: WaitOptions = {}): Promise<Stat> {
    this.throwIfClosed();
    const bytes = this.codec.encode(this.codec.check('value', value));
    return bounded('set', this.path, options, ({ signal }) =>
      this.client.setData(this.path, bytes, signal ? { signal } : {}),
    );
  }

  /**
   * Sets the value only if the node is still at `version` (a compare-and-set; Curator's
   * trySetValue / trySetCount). Resolves false when someone wrote since. Any version the node
   * can have is a version here: after 2^31 writes it wraps to -2147483648 and goes on, and -1
   * (which the server takes for "any version") means "only if the node is at -1", not a blind
   * write (the kit's setDataAtVersion); `set()` is the write whatever the version.
   */
  async trySet(value: In, version: number, options: WaitOptions = {}): Promise<boolean> {
    this.throwIfClosed();
    const bytes = this.codec.encode(this.codec.check('value', value));
    if (!(Number.isInteger(version) && version >= -0x80000000 && version <= 0x7fffffff)) {
      throw new InvalidArgumentError('version', 'version must be a 32-bit integer');
    }
    return bounded('trySet', this.path, options, async ({ signal }) => {
      try {
        await setDataAtVersion(this.client, this.path, bytes, version, signal ? { signal } : {});
        return true;
      } catch (e) {
        if (e instanceof BadVersionError) return false;
        throw e;
      }
    });
  }

  /**
   * Every value the node takes from now on (including after it is deleted and made again), as
   * an async iterator; it ends when the recipe closes, rejects when `signal` aborts.
   */
  changes(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<Versioned<T>> {
    this.throwIfClosed();
    return eventStream<Versioned<T>>(
      (push) =>
        this.engine.on('event', (e: CacheEvent) => {
          if ((e.type === 'added' || e.type === 'updated') && e.node.data) {
            push({ value: this.codec.decode(this.path, e.node.data), stat: e.node.stat });
          }
        }),
      this.closeSignal,
      options.signal,
    );
  }
}

/**
 * Shared bytes (Curator's SharedValue layout: the raw bytes in a persistent node).
 *
 * @example
 * await using mode = new SharedValue(client, '/config/mode', 'normal');
 * await mode.start();
 * for await (const { value } of mode.changes()) console.log('mode', value.toString());
 */
export class SharedValue extends SharedState<Buffer, Buffer | string> {
  constructor(client: ZkClient, path: string, seed: Buffer | string = Buffer.alloc(0)) {
    super(client, path, seed, BYTES, 'SharedValue');
  }
}

/**
 * A shared 32-bit count (Curator's SharedCount: int32 big-endian in a persistent node).
 *
 * @example
 * await using workers = new SharedCount(client, '/jobs/workers', 4);
 * await workers.start();
 * const { value, stat } = workers.current!;
 * await workers.trySet(value + 1, stat.version);
 */
export class SharedCount extends SharedState<number, number> {
  constructor(client: ZkClient, path: string, seed = 0) {
    super(client, path, seed, INT, 'SharedCount');
  }
}
