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
 *   node waits for that one to go (Curator overwrites it, CURATOR-154, or deletes it); one of
 *   this client's previous sessions is no other: its node (a restarted server restores the
 *   session until it times out there) is deleted at the version read and ours made (ADR 0032),
 *   and a sequential node's nodes of those sessions are found by name and owner and deleted
 *   before it is made on a new one (ADR 0034);
 * - a sequential node is known by its real path, and after a create whose reply was lost it is
 *   looked for by name and owner before another create, so none is made twice; a create
 *   abandoned with its outcome unknown is cleaned up by the client's background job;
 * - parents are made as containers; ACLs, TTL modes and children made in the same transaction
 *   (a TTL node's touch child) are options;
 * - close() returns within one release bound from its call, whatever ZooKeeper does.
 * Its parts: kept-node-types.ts (options, events, the conflict), kept-node-place.ts (placing),
 * kept-node-previous.ts (taking back our previous sessions' nodes), kept-node-release.ts (the
 * removal on close).
 */
import type { ZkClient } from '../client.js';
import { checkPacketInView } from '../client-session.js';
import { DataTooLargeError, NoNodeError, SessionExpiredError } from '../errors.js';
import { Lifecycle } from '../framework/lifecycle.js';
import { RELEASE_BOUND_MS } from '../framework/release.js';
import type { CreateMode } from '../types.js';
import { abortReason, joinSignals, sleep } from './abort.js';
import { Deadline, settledWithin, waitFor, type WaitOptions } from './deadline.js';
import { Placement } from './kept-node-place.js';
import { removeKept } from './kept-node-release.js';
import { NodeConflictError, type KeptNodeEvents, type KeptNodeOptions } from './kept-node-types.js';
import { waitForNode } from './node-wait.js';

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
  readonly mode: CreateMode;
  private readonly p: Placement;
  private running: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private startOptions: WaitOptions = {};
  private readonly placedEvents = new EventTarget();
  /** Whether close() removes the node (from the options; may be changed before close). */
  removeOnClose: boolean;

  constructor(
    private readonly client: ZkClient,
    /** Where the node goes (a sequential node: the path its name is made from). */
    path: string,
    options: KeptNodeOptions = {},
  ) {
    super('KeptNode', path);
    this.removeOnClose = options.removeOnClose !== false;
    this.p = new Placement(client, path, options, {
      removeOnClose: () => this.removeOnClose,
      placed: (real, how) => {
        this.placedEvents.dispatchEvent(new Event('placed'));
        this.emit('placed', real, how);
      },
      conflict: (e) => this.emit('conflict', e),
      report: (e) => this.report(e),
    });
    this.mode = this.p.mode;
  }

  /** The node's real path while placed (differs from `path` for a sequential node). */
  get nodePath(): string | undefined {
    return this.p.real;
  }

  /** Whether the node is in place (as far as this process knows). */
  get isPlaced(): boolean {
    return this.p.real !== undefined;
  }

  /** Whether the node is known to be in place on the client's present session. */
  get current(): boolean {
    return this.p.real !== undefined && this.p.placedOn === this.client.session?.sessionId;
  }

  /** The data the node is kept with. */
  getData(): Buffer {
    return this.p.data;
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
    const first = this.serial(() => this.p.place(signal));
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
    if (this.p.real !== undefined) return true;
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
   * DataTooLargeError and the data kept is the previous one, placed or not; RecipeClosedError
   * after close().
   */
  async setData(data: Buffer, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.throwIfClosed();
    // Checked here, before anything changes: while the node is not placed (waiting on a
    // conflict, between sessions) no setData would check it, and data over the limit kept for
    // the next create made every re-creation fail (a member that could never join).
    checkPacketInView(this.client, this.path, data.length);
    return this.serial(async () => {
      const previous = this.p.data;
      this.p.data = data;
      if (this.p.real === undefined) return;
      try {
        this.p.stat = await this.client.setData(this.p.real, data, options);
      } catch (e) {
        // Refused before sending: keep the data that fits, or every re-creation fails so.
        if (e instanceof DataTooLargeError) this.p.data = previous;
        if (!(e instanceof NoNodeError)) throw e;
        await this.p.place(options.signal ?? this.closeSignal); // gone meanwhile: made anew
      }
    });
  }

  protected async onClose(): Promise<void> {
    // One bound for all of close(), counted from its call (this runs in the same synchronous
    // run as close()): the keeping stops at once (its waits take the close signal), a request
    // in flight (a create a start() gave up on, a setData) is waited for, then the delete, each
    // only for what is left of the bound.
    const deadline = Deadline.of({ timeoutMs: RELEASE_BOUND_MS });
    await settledWithin(deadline, Promise.all([this.running, this.chain]));
    this.p.released = true;
    const held = { path: this.p.real, stat: this.p.stat };
    this.p.real = undefined;
    if (!this.removeOnClose) return;
    await removeKept(this.client, this.p, held, deadline, (e) => this.report(e));
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
          const real = this.p.real;
          if (real) await waitForNode(this.client, real, (s) => !this.p.isOurs(s), { signal });
        }
        this.p.real = undefined;
        error = undefined;
        await this.serial(() => this.p.place(signal));
        failures = 0;
      } catch (e) {
        if (signal.aborted || this.clientClosed()) return;
        this.p.real = undefined;
        error = e instanceof SessionExpiredError ? undefined : e;
        if (e instanceof SessionExpiredError) {
          await this.serial(() => this.p.place(signal)).catch((p: unknown) => (error = p));
        }
      }
    }
  }

  private clientClosed(): boolean {
    return this.client.state === 'CLOSED';
  }
}
