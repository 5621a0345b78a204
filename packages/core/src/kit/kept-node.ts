/**
 * A node kept in place while a recipe wants it (Curator's PersistentNode, a service's
 * registration, a group member's node, a TTL node's container): created on start, created
 * again when it goes (deleted, or its session ended), removed on close within the release
 * bound. The one node-keeping mechanism of the kit (docs/adr/0018-discovery-kept-node.md); its rules:
 * - a reconnect on the same session sends nothing: an exists() watch on the node says whether
 *   anything changed (Curator re-creates and rewrites on every reconnect, so every watcher sees
 *   the node vanish or change);
 * - after a new session it is created only where missing and its data rewritten only where it
 *   differs (a create first; on NODEEXISTS one read);
 * - another session's node is never adopted nor replaced: {@link NodeConflictError}, and the
 *   node waits for that one to go (Curator overwrites it, CURATOR-154, or deletes it);
 * - a sequential node is known by its real path, and after a create whose reply was lost it is
 *   looked for by name and owner before another create, so none is made twice; a create
 *   abandoned with its outcome unknown is cleaned up by the client's background job;
 * - parents are made as containers; ACLs, TTL modes and children made in the same transaction
 *   (a TTL node's touch child) are options.
 */
import type { MultiOp, ZkClient } from '../client.js';
import { abandonCreateInView } from '../client-session.js';
import {
  BadVersionError,
  DataTooLargeError,
  isRetryable,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  ZkRecipesError,
} from '../errors.js';
import { Lifecycle } from '../framework/lifecycle.js';
import { RELEASE_BOUND_MS } from '../framework/release.js';
import type { Acl, CreateMode, Stat } from '../types.js';
import { abortReason, joinSignals, sleep } from './abort.js';
import { whileConnected } from './connectivity.js';
import { Deadline, waitFor, type WaitOptions } from './deadline.js';
import { heldNode } from './held-node.js';
import { waitForNode } from './node-wait.js';

/**
 * The path a node is kept at is held by someone else: an ephemeral node of another live session
 * (a duplicate member or instance id, a second process on the same path), or a node of another
 * kind than ours. Nothing of it was changed. Curator adopts or replaces such a node; we refuse,
 * and wait for it to go.
 */
export class NodeConflictError extends ZkRecipesError {
  override name = 'NodeConflictError';
  constructor(
    path: string,
    /** The session owning the node (0n for a persistent node). */
    readonly owner: bigint,
  ) {
    super(
      'NODE_CONFLICT',
      owner === 0n
        ? `${path} exists and is not an ephemeral node of this session`
        : `${path} is held by another session (0x${owner.toString(16)})`,
      { path },
    );
  }
}

/** Options of a {@link KeptNode}. */
export interface KeptNodeOptions {
  /** Any mode but CONTAINER children-less use; default EPHEMERAL. */
  mode?: CreateMode;
  /** The node's data. Default: empty. */
  data?: Buffer;
  /** The node's ACL (else the client's ACL provider's). */
  acl?: readonly Acl[];
  /** Time to live of a `*_WITH_TTL` node, in ms. */
  ttlMs?: number;
  /** Make missing parents, as containers (default true). */
  createParents?: boolean;
  /**
   * Children created in the same transaction as the node, each time it is created (a TTL
   * node's first touch): a process that dies at once leaves nothing half made. Not for
   * sequential or ephemeral nodes.
   */
  children?: (path: string) => MultiOp[];
  /** Remove the node on close (default true); false leaves it (a PERMANENT registration). */
  removeOnClose?: boolean;
}

/** Events of a {@link KeptNode}. */
export type KeptNodeEvents = {
  /** The node is in place at `path`: made, found as ours (`kept`), or found and rewritten. */
  placed: [path: string, how: 'created' | 'kept' | 'rewritten'];
  /** The path is another session's: we wait for it to go, then create ours. */
  conflict: [error: NodeConflictError];
  /** Something the node survived (a re-creation that failed: tried again with backoff). */
  error: [error: unknown];
};

/** A sequential node's name: `name` and ZooKeeper's 10-digit counter. */
const sequentialOf = (name: string) => (child: string) =>
  child.length === name.length + 10 &&
  child.startsWith(name) &&
  /^\d{10}$/.test(child.slice(name.length));

/**
 * A node kept in place: see the module's comment. `start({ signal, timeoutMs })` resolves once
 * it is placed and rejects with the first placement's error (NodeConflictError, NOAUTH, ...),
 * the keeping going on until close() either way: a caller that wants nothing left after a
 * failed start closes it (a create whose outcome is unknown is then cleaned up in the
 * background).
 *
 * @example
 * await using node = new KeptNode(client, '/workers/w-1', { data: Buffer.from('up') });
 * await node.start({ timeoutMs: 5000 });
 */
export class KeptNode extends Lifecycle<KeptNodeEvents> {
  private data: Buffer;
  readonly mode: CreateMode;
  /** The real path (a sequential node's name has the server's counter) once placed. */
  private real: string | undefined;
  private stat: Stat | undefined;
  /** The session the node was last made sure of on. */
  private placedOn: bigint | undefined;
  /** A create of a sequential ephemeral was sent on this session: look before the next. */
  private sentOn: bigint | undefined;
  /** A create whose outcome is unknown, on that session (cleaned up if never placed). */
  private unknownOn: bigint | undefined;
  private running: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private startOptions: WaitOptions = {};
  private readonly placedEvents = new EventTarget();
  /** close() has removed (or left) the node: a create answered later is undone at once. */
  private released = false;
  /** Whether close() removes the node (from the options; may be changed before close). */
  removeOnClose: boolean;

  constructor(
    private readonly client: ZkClient,
    /** Where the node goes (a sequential node: the path its name is made from). */
    path: string,
    private readonly options: KeptNodeOptions = {},
  ) {
    super('KeptNode', path);
    this.mode = options.mode ?? 'EPHEMERAL';
    this.data = options.data ?? Buffer.alloc(0);
    this.removeOnClose = options.removeOnClose !== false;
  }

  private get ephemeral(): boolean {
    return this.mode.startsWith('EPHEMERAL');
  }

  private get sequential(): boolean {
    return this.mode.includes('SEQUENTIAL');
  }

  private get parent(): string {
    const i = this.path.lastIndexOf('/');
    return i <= 0 ? '/' : this.path.slice(0, i);
  }

  /** The node's real path while placed (differs from `path` for a sequential node). */
  get nodePath(): string | undefined {
    return this.real;
  }

  /** Whether the node is in place (as far as this process knows). */
  get isPlaced(): boolean {
    return this.real !== undefined;
  }

  /** Whether the node is known to be in place on the client's present session. */
  get current(): boolean {
    return this.real !== undefined && this.placedOn === this.client.session?.sessionId;
  }

  /** The data the node is kept with. */
  getData(): Buffer {
    return this.data;
  }

  /** Starts keeping the node; resolves once it is placed (see the class comment). */
  override start(options: WaitOptions = {}): Promise<void> {
    this.startOptions = options;
    return super.start();
  }

  protected async onStart(): Promise<void> {
    const d = Deadline.of(this.startOptions);
    const t = d.timeoutMs === undefined ? undefined : AbortSignal.timeout(Math.max(1, d.timeoutMs));
    const joined = joinSignals([d.signal, t, this.closeSignal]);
    const signal = joined.signal!;
    const first = this.serial(() => this.place(signal));
    this.running = first.then(
      () => this.keep(),
      (e: unknown) => (this.closeSignal.aborted ? undefined : this.keep(e)),
    );
    // A request in flight is not abandoned by its signal: the caller's wait is, at once.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortReason(signal));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([first, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
      aborted.catch(() => undefined);
      joined.dispose();
    }
  }

  /** Resolves true once the node is in place, false at `timeoutMs`. */
  async waitForPlaced(options: WaitOptions = {}): Promise<boolean> {
    const deadline = Deadline.of(options);
    if (this.real !== undefined) return true;
    const r = await waitFor<boolean>(deadline, (settle) => {
      const on = () => settle(true);
      this.placedEvents.addEventListener('placed', on);
      return () => this.placedEvents.removeEventListener('placed', on);
    });
    return r === true;
  }

  /**
   * Sets the node's data, kept for every later re-creation too: one setData on the node where
   * it is (created anew if it is gone). Data over the packet limit rejects with
   * DataTooLargeError and the data kept is the previous one.
   */
  setData(data: Buffer, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.serial(async () => {
      const previous = this.data;
      this.data = data;
      if (this.real === undefined) return;
      try {
        this.stat = await this.client.setData(this.real, data, options);
      } catch (e) {
        // Refused before sending: keep the data that fits, or every re-creation fails so.
        if (e instanceof DataTooLargeError) this.data = previous;
        if (!(e instanceof NoNodeError)) throw e;
        await this.place(options.signal ?? this.closeSignal); // gone meanwhile: made anew
      }
    });
  }

  protected async onClose(): Promise<void> {
    // The keeping stops at once (its waits take the close signal); a request in flight (a
    // create a start() gave up on) is waited for within the release bound.
    await Promise.race([
      Promise.all([this.running, this.chain]),
      sleep(RELEASE_BOUND_MS).catch(() => undefined),
    ]);
    this.released = true;
    const path = this.real;
    const stat = this.stat;
    this.real = undefined;
    if (!this.removeOnClose) return;
    if (path !== undefined && stat !== undefined) {
      // Within the release bound: close stays quick when ZooKeeper is gone (an ephemeral then
      // goes with its session; a persistent node's guaranteed delete goes on in the background).
      if (this.ephemeral) await heldNode(this.client, path, stat).release();
      else {
        const del = this.client.delete(path, { guaranteed: true }).catch((e: unknown) => {
          // A connection or session lost: the client's background job finishes the delete.
          if (!(e instanceof NoNodeError || isRetryable(e))) this.report(e);
        });
        await whileConnected(this.client, del, RELEASE_BOUND_MS);
      }
    } else if (this.unknownOn !== undefined && this.ephemeral) {
      // Never placed, but a create may have gone through (its reply lost, or given up): the
      // background job deletes whatever of ours it left, by name and owner.
      const name = this.path.slice(this.parent.length + (this.parent === '/' ? 0 : 1));
      const matches = this.sequential ? sequentialOf(name) : (c: string) => c === name;
      abandonCreateInView(this.client, this.parent, matches, this.unknownOn);
    }
  }

  /** Runs `f` after every change queued before it: placements and rewrites never overlap. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(f, f);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Keeps the node: waits for it to go (or its session to end) and places it again. */
  private async keep(pending?: unknown): Promise<void> {
    const signal = this.closeSignal;
    let error = pending;
    // A closed client ends the keeping too (its requests would only fail from now on).
    for (let failures = 0; !signal.aborted && !this.clientClosed();) {
      try {
        if (error instanceof NodeConflictError) {
          // Not ours: wait until it is gone (its session ended, it was deleted).
          await waitForNode(this.client, this.path, (s) => s === null, { signal });
        } else if (error !== undefined) {
          // (start() rejected with the first placement's error: the caller has that one.)
          if (error !== pending) this.report(error);
          await sleep(Math.min(100 * 2 ** failures++, 5_000), signal);
        } else {
          // Ours is in place: a watch on it, nothing sent on a reconnect of the same session.
          const real = this.real;
          if (real) await waitForNode(this.client, real, (s) => !this.isOurs(s), { signal });
        }
        this.real = undefined;
        error = undefined;
        await this.serial(() => this.place(signal));
        failures = 0;
      } catch (e) {
        if (signal.aborted || this.clientClosed()) return;
        this.real = undefined;
        error = e instanceof SessionExpiredError ? undefined : e;
        if (e instanceof SessionExpiredError) {
          await this.serial(() => this.place(signal)).catch((p: unknown) => (error = p));
        }
      }
    }
  }

  private clientClosed(): boolean {
    return this.client.state === 'CLOSED';
  }

  private isOurs(stat: Stat | null): boolean {
    if (!stat) return false;
    if (!this.ephemeral) return stat.ephemeralOwner === 0n;
    return stat.ephemeralOwner === this.client.session?.sessionId;
  }

  private placed(path: string, stat: Stat, how: 'created' | 'kept' | 'rewritten'): void {
    if (this.released) {
      // Answered after close() gave up waiting for it: removed now, as close would have.
      if (this.removeOnClose && (this.ephemeral || how === 'created')) {
        const gone = this.ephemeral
          ? heldNode(this.client, path, stat).release()
          : this.client.delete(path, { guaranteed: true });
        gone.catch((e: unknown) => this.report(e));
      }
      return;
    }
    this.real = path;
    this.stat = stat;
    this.placedOn = this.client.session?.sessionId;
    this.unknownOn = undefined;
    this.placedEvents.dispatchEvent(new Event('placed'));
    this.emit('placed', path, how);
  }

  /** Creates the node, or recognises it as ours; NodeConflictError when it is someone else's. */
  private async place(signal: AbortSignal): Promise<void> {
    for (let round = 0; ; round++) {
      const session = this.client.session?.sessionId;
      const found =
        this.sequential && this.ephemeral && this.sentOn !== undefined && this.sentOn === session
          ? await this.findSequential(session, signal)
          : undefined;
      if (!found) {
        try {
          await this.create(session, signal);
          return;
        } catch (e) {
          // A sequential create is not repeated by the client (a repeat could make a second
          // node): its reply lost, we look for it by name and owner, then create if absent.
          const lost = this.sentOn !== undefined && isRetryable(e) && !signal.aborted;
          if (lost && round <= 5) continue;
          if (!(e instanceof NodeExistsError) || this.sequential || round > 5) throw e;
        }
      }
      let node = found;
      if (!node) {
        try {
          node = { path: this.path, ...(await this.client.getData(this.path, { signal })) };
        } catch (e) {
          if (e instanceof NoNodeError) continue; // gone meanwhile: create again
          throw e;
        }
      }
      if (!this.isOurs(node.stat)) {
        const conflict = new NodeConflictError(this.path, node.stat.ephemeralOwner);
        this.emit('conflict', conflict);
        throw conflict;
      }
      // Ours (a create whose reply was lost, a persistent node made before, a new session):
      // write only what differs.
      if (node.data.equals(this.data)) return this.placed(node.path, node.stat, 'kept');
      try {
        const stat = await this.client.setData(node.path, this.data, {
          version: node.stat.version,
          signal,
        });
        return this.placed(node.path, stat, 'rewritten');
      } catch (e) {
        if (!(e instanceof BadVersionError || e instanceof NoNodeError) || round > 5) throw e;
      }
    }
  }

  private async create(session: bigint | undefined, signal: AbortSignal): Promise<void> {
    const { acl, ttlMs, children } = this.options;
    const createParents = this.options.createParents !== false;
    if (this.sequential && this.ephemeral) this.sentOn = session;
    // In doubt until answered: a close meanwhile has the node looked for and deleted.
    if (this.ephemeral) this.unknownOn = session;
    try {
      if (children) {
        if (createParents) await this.client.ensurePath(this.parent, { signal });
        const ops: MultiOp[] = [
          {
            op: 'create',
            path: this.path,
            data: this.data,
            mode: this.mode,
            ...(acl ? { acl } : {}),
            ...(ttlMs !== undefined ? { ttlMs } : {}),
          },
          ...children(this.path),
        ];
        await this.client.multi(ops);
        const stat = await this.client.exists(this.path, { signal });
        if (stat) this.placed(this.path, stat, 'created');
        return;
      }
      const r = await this.client.create(this.path, this.data, {
        mode: this.mode,
        createParents,
        signal,
        ...(acl ? { acl } : {}),
        ...(ttlMs !== undefined ? { ttlMs } : {}),
      });
      this.placed(r.path, r.stat, 'created');
    } catch (e) {
      // A lost reply, or a create given up (aborted) after it may have been sent: it may have
      // made the node.
      const cause = (e as Error | undefined)?.cause;
      if (signal.aborted || isRetryable(e) || isRetryable(cause)) {
        this.unknownOn = session ?? this.client.session?.sessionId;
      } else this.unknownOn = undefined; // refused: nothing made
      throw e;
    }
  }

  /** Our sequential ephemeral on `session`: the one we made, or one whose reply was lost. */
  private async findSequential(session: bigint | undefined, signal: AbortSignal) {
    const read = async (path: string) => {
      try {
        return { path, ...(await this.client.getData(path, { signal })) };
      } catch (e) {
        if (e instanceof NoNodeError) return undefined;
        throw e;
      }
    };
    let children: string[];
    try {
      // The reply was lost with its connection, and the server answering now may not have
      // applied that create yet: a sync first makes it catch up, so a create that committed is
      // found instead of being made a second time.
      await this.client.sync(this.parent, { signal });
      ({ children } = await this.client.getChildren(this.parent, { signal }));
    } catch (e) {
      if (e instanceof NoNodeError) return undefined;
      throw e;
    }
    const name = this.path.slice(this.parent.length + (this.parent === '/' ? 0 : 1));
    for (const c of children.filter(sequentialOf(name)).sort()) {
      const r = await read(`${this.parent === '/' ? '' : this.parent}/${c}`);
      if (r && r.stat.ephemeralOwner === session) return r;
    }
    return undefined;
  }
}
