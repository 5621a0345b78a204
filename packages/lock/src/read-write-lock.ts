/**
 * Curator's InterProcessReadWriteLock: writer nodes `<path>/_c_<uuid>-__WRIT__<seq>`, reader
 * nodes `<path>/_c_<uuid>-__READ__<seq>`, sorted together by the sequence after either name
 * (both names are 8 characters). A writer holds when it is first; a reader holds when no writer
 * is before it, and otherwise watches the first writer. A writer may take the read lock
 * (downgrade); a reader never upgrades. Java services using Curator share these locks.
 *
 * Downgrade: Curator creates the downgraded read node with the next sequence, so it sorts after
 * a writer that is already waiting, and that writer is granted the write lock while the
 * downgraded reader still reads (CURATOR-621, CURATOR-276). Here the downgraded read node is
 * created non-sequential and named with the write node's own sequence,
 * `_c_<uuid>-__READ__<seq of our write node>`: it sorts at the writer's place, ahead of every
 * waiting writer, for Curator's sort and ours alike.
 */
import { randomUUID } from 'node:crypto';
import {
  AcquireTimeoutError,
  NodeExistsError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import {
  childPath,
  Deadline,
  heldNode,
  protectedName,
  type ContenderDriver,
} from '@zk-recipes/core/recipe';
import { makeLease, type Lease } from './lease.js';
import { participants, type Participant } from './participants.js';
import { localLine } from './local-line.js';
import { holding } from './scoped.js';
import { localAddress, type AcquireOptions, type MutexOptions } from './mutex.js';

/** The name readers' nodes carry (Curator's). */
export const READ_LOCK_NAME = '__READ__';
/** The name writers' nodes carry (Curator's). */
export const WRITE_LOCK_NAME = '__WRIT__';
const NAMES = [READ_LOCK_NAME, WRITE_LOCK_NAME] as const;

const writerDriver: ContenderDriver = {
  evaluate: (sorted, i) => (i === 0 ? { holds: true } : { holds: false, watch: sorted[i - 1]! }),
};

const readerDriver: ContenderDriver = {
  evaluate(sorted, i) {
    const firstWriter = sorted.findIndex((n) => n.includes(WRITE_LOCK_NAME));
    if (firstWriter < 0 || i < firstWriter) return { holds: true };
    return { holds: false, watch: sorted[firstWriter]! };
  },
};

/** One side of a read-write lock. */
export interface LockSide {
  /** Waits for this side of the lock, like {@link Mutex.acquire}. */
  acquire(options?: AcquireOptions): Promise<Lease>;
  /** Takes the lock only if it can be had now; never waits. */
  tryAcquire(): Promise<Lease | undefined>;
  /** Runs `fn` while holding this side, and releases it whatever happens. */
  withLock<T>(fn: (lease: Lease) => Promise<T> | T, options?: AcquireOptions): Promise<T>;
}

async function orUndefined(p: Promise<Lease>): Promise<Lease | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof AcquireTimeoutError) return undefined;
    throw e;
  }
}

function side(acquire: (o?: AcquireOptions) => Promise<Lease>): LockSide {
  return {
    acquire,
    tryAcquire: () => orUndefined(acquire({ timeoutMs: 0 })),
    withLock: (fn, o) => holding(() => acquire(o), fn),
  };
}

/**
 * A distributed read-write lock: many readers or one writer.
 *
 * @example
 * const rw = new ReadWriteLock(client, '/locks/catalog');
 * await using read = await rw.readLock().acquire();
 */
export class ReadWriteLock {
  private readonly data: Buffer;
  private write: Lease | undefined;

  constructor(
    readonly client: ZkClient,
    readonly path: string,
    options: MutexOptions = {},
  ) {
    validatePath(path);
    this.data = Buffer.from(options.data ?? localAddress());
  }

  /** Readers and writers on the lock, in line, each marked with its kind. */
  async participants(): Promise<(Participant & { kind: 'read' | 'write' })[]> {
    const all = await participants(this.client, this.path, NAMES);
    return all.map((p) => ({
      ...p,
      kind: p.nodePath.includes(WRITE_LOCK_NAME) ? 'write' : 'read',
    }));
  }

  /** The writers' side: one holder, and no reader meanwhile. */
  writeLock(): LockSide {
    return side((o) => this.acquireWrite(o));
  }

  /** The readers' side: many holders while no writer holds or waits ahead of them. */
  readLock(): LockSide {
    return side((o) => this.acquireRead(o));
  }

  private async acquireWrite(o: AcquireOptions = {}): Promise<Lease> {
    const deadline = Deadline.of(o);
    // Writers of one client queue locally: at most one write node per client and path.
    const line = localLine(this.client, `${this.path}\u0000write`);
    if ((await line.take(deadline)) === undefined) {
      throw new AcquireTimeoutError(this.path, deadline.timeoutMs ?? 0);
    }
    try {
      const held = await this.client.contend(this.path, {
        lockName: WRITE_LOCK_NAME,
        sortBy: NAMES,
        driver: writerDriver,
        data: this.data,
        deadline,
      });
      const lease = makeLease(this.client, this.path, held, this.client.holdSignal(), () => {
        if (this.write === lease) this.write = undefined;
        line.passOn();
      });
      this.write = lease;
      return lease;
    } catch (e) {
      line.passOn();
      throw e;
    }
  }

  private async acquireRead(o: AcquireOptions = {}): Promise<Lease> {
    const write = this.write;
    if (write && !write.released) return this.downgrade(write);
    const held = await this.client.contend(this.path, {
      lockName: READ_LOCK_NAME,
      sortBy: NAMES,
      driver: readerDriver,
      data: this.data,
      deadline: Deadline.of(o),
    });
    return makeLease(this.client, this.path, held, this.client.holdSignal(), () => undefined);
  }

  /** A read lock for the holder of the write lock, at the write node's place in line. */
  private async downgrade(write: Lease): Promise<Lease> {
    const name = write.nodePath.slice(write.nodePath.lastIndexOf('/') + 1);
    const seq = name.slice(name.lastIndexOf(WRITE_LOCK_NAME) + WRITE_LOCK_NAME.length);
    const nodePath = childPath(this.path, protectedName(randomUUID(), `${READ_LOCK_NAME}${seq}`));
    let stat;
    try {
      stat = (await this.client.create(nodePath, this.data, { mode: 'EPHEMERAL' })).stat;
    } catch (e) {
      // A repeat after a lost reply finds the node it made (the name is ours alone).
      if (!(e instanceof NodeExistsError)) throw e;
      stat = (await this.client.getData(nodePath)).stat;
    }
    const held = heldNode(this.client, nodePath, stat);
    return makeLease(this.client, this.path, held, this.client.holdSignal(), () => undefined);
  }
}
