import {
  DataTooLargeError,
  InvalidArgumentError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import {
  CacheEngine,
  childPath,
  Deadline,
  eventStream,
  joinSignals,
  Lifecycle,
  type CacheEvent,
  type CachedNode,
  type WaitOptions,
} from '@zk-recipes/core/recipe';
import { GroupTimeoutError, NodeConflictError } from './errors.js';
import {
  toPayload,
  type GroupChange,
  type GroupMemberEvents,
  type GroupMemberOptions,
} from './group-member-types.js';
import { PersistentNode } from './persistent-node.js';

/**
 * A member of a group (Curator's GroupMember layout): an ephemeral node `path/<id>` holding
 * this member's payload, kept in place by a {@link PersistentNode}, and a view of every
 * member's node read from the kit's cache engine (one persistent watch on the group). Better
 * than Curator's: a duplicate id is a {@link NodeConflictError}, never a silent merge with the
 * live member holding it (Curator's PersistentNode adopts that node); a reconnect on the same
 * session writes nothing, and a short connection cut tells no leave or join.
 *
 * @example
 * await using member = new GroupMember(client, '/clusters/api', 'api-1', { payload: 'host:8080' });
 * await member.start();
 * console.log([...member.members().keys()]);
 * for await (const c of member.changes()) console.log(c.type, c.id);
 */
export class GroupMember extends Lifecycle<GroupMemberEvents> {
  private readonly node: PersistentNode;
  private readonly engine: CacheEngine;
  private startOptions: WaitOptions = {};

  constructor(
    client: ZkClient,
    path: string,
    /** This member's id: its node's name under `path`. */
    readonly id: string,
    options: GroupMemberOptions = {},
  ) {
    super('GroupMember', path);
    validatePath(path);
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidArgumentError('id', 'the member id must be a non-empty string', { path });
    }
    if (id.includes('/')) {
      throw new InvalidArgumentError('id', `the member id must not contain '/': ${id}`, { path });
    }
    const own = childPath(path, id);
    validatePath(own); // '.', '..', characters ZooKeeper refuses
    this.node = new PersistentNode(client, own, { data: toPayload(options.payload) });
    this.node.on('conflict', (e) => this.emit('conflict', e));
    this.node.on('error', (e) => this.report(e));
    this.engine = new CacheEngine(client, path, { scope: 'children' });
    this.engine.on('event', (e) => this.heard(e));
    this.engine.on('error', (e) => this.report(e));
  }

  /**
   * Joins (creates our node, parents as containers) and loads the members. Rejects with
   * NodeConflictError when another live session holds our id (the member then waits for that
   * node to go and joins; close() it to give up), DataTooLargeError when the payload exceeds
   * the packet limit (nothing sent), GroupTimeoutError at `timeoutMs` (its requests included,
   * ZooKeeper reachable or not). A start that times out or is aborted closes the member.
   */
  override async start(options: WaitOptions = {}): Promise<void> {
    Deadline.of(options); // bad options reject this call, before the member starts
    this.startOptions = options;
    return super.start();
  }

  protected async onStart(): Promise<void> {
    const caller = this.startOptions.signal;
    try {
      await Deadline.run(
        this.startOptions,
        (ms) => new GroupTimeoutError(this.path, this.id, ms),
        (deadline) => this.join(deadline),
      );
    } catch (e) {
      // Ended by its timeout or the caller's abort: nothing is kept (the node's close deletes
      // what its create may have made), as a first registration that fails (ADR 0031). Not
      // waited for: the call ends at its deadline; a later close() returns the same promise.
      if (e instanceof GroupTimeoutError || caller?.aborted) void this.close();
      throw e;
    }
  }

  /** start() under its deadline, whose signal ends every request at the timeout too. */
  private async join(deadline: Deadline): Promise<void> {
    const wait = joinSignals([deadline.signal, this.closeSignal]);
    try {
      await this.joinUntil(wait.signal!);
    } finally {
      wait.dispose();
    }
  }

  private async joinUntil(signal: AbortSignal): Promise<void> {
    let conflict: NodeConflictError | undefined;
    try {
      // The signal alone: it aborts at the deadline (a second timer would race it).
      await this.node.start({ signal });
    } catch (e) {
      if (e instanceof DataTooLargeError) {
        // A payload over the packet limit never fits: stop the node rather than retry it.
        await this.node.close();
        throw e;
      }
      if (!(e instanceof NodeConflictError)) throw e;
      conflict = e;
    }
    // After our node is placed: the initial load holds us, and tells no join of our own.
    await this.engine.start();
    await this.engine.ready({ signal });
    if (conflict) throw conflict;
  }

  protected async onClose(): Promise<void> {
    await Promise.all([this.node.close(), this.engine.close()]);
  }

  /**
   * Waits until our node is in place: true, or false at `timeoutMs`. Every call of a closed
   * member (this one and those below) throws or rejects with RecipeClosedError.
   */
  async waitForJoined(options: WaitOptions = {}): Promise<boolean> {
    this.throwIfClosed();
    return this.node.waitForPlaced(options);
  }

  /**
   * The members now, id → payload, sorted by id: every node under the group, and this member
   * whenever its node is in place, even before the cache has heard of it (Curator's
   * getCurrentMembers adds itself too). Empty before start.
   */
  members(): Map<string, Buffer> {
    this.throwIfClosed(); // the view is gone: the last map would only mislead
    const out = new Map<string, Buffer>();
    const self = this.node.isPlaced && this.state === 'STARTED';
    const names = this.engine.children(this.path);
    if (self && !names.includes(this.id)) names.push(this.id);
    for (const name of names.sort()) {
      if (self && name === this.id) out.set(name, this.node.getData());
      else out.set(name, this.engine.get(childPath(this.path, name))?.data ?? Buffer.alloc(0));
    }
    return out;
  }

  /** This member's payload. */
  getPayload(): Buffer {
    this.throwIfClosed();
    return this.node.getData();
  }

  /**
   * Sets this member's payload (kept for re-creations too). InvalidArgumentError for what is
   * not a Buffer or string, DataTooLargeError over the packet limit, joined or not (while it
   * waits for its id too): nothing is sent and the payload kept is the previous one.
   */
  async setPayload(
    payload: Buffer | string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    this.throwIfClosed();
    if (payload === undefined) throw new InvalidArgumentError('payload', 'payload is required');
    await this.node.setData(toPayload(payload), options);
  }

  /**
   * The joins, leaves and payload updates from now on; ends when the member closes, rejects
   * with the signal's reason when `signal` aborts.
   */
  changes(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<GroupChange> {
    this.throwIfClosed();
    return eventStream<GroupChange>(
      (push) => this.on('change', push),
      this.closeSignal,
      options.signal,
    );
  }

  /** Whether the view may be behind (before the load, while disconnected, until resynced). */
  isStale(): boolean {
    this.throwIfClosed();
    return this.engine.isStale();
  }

  private heard(e: CacheEvent): void {
    if (e.type !== 'added' && e.type !== 'updated' && e.type !== 'removed') return;
    if (e.path === this.path) return; // the group's node itself
    // The initial load is the start state, not joins.
    if (!this.engine.isInitialized) return;
    const id = e.path.slice(this.path.length + 1);
    if (e.type === 'added') this.tell('joined', id, payloadOf(e.node));
    else if (e.type === 'removed') this.tell('left', id, payloadOf(e.previous));
    else if (e.node.stat.czxid !== e.previous.stat.czxid) {
      // Deleted and made again while we did not look (a rebuild after a reconnect): it left
      // and joined again.
      this.tell('left', id, payloadOf(e.previous));
      this.tell('joined', id, payloadOf(e.node));
    } else if (!payloadOf(e.node).equals(payloadOf(e.previous))) {
      // Only a payload that differs: a Curator member rewrites the same bytes on reconnects.
      this.emit('updated', id, payloadOf(e.node), payloadOf(e.previous));
      this.emit('change', { type: 'updated', id, payload: payloadOf(e.node) });
    }
  }

  private tell(type: 'joined' | 'left', id: string, payload: Buffer): void {
    this.emit(type, id, payload);
    this.emit('change', { type, id, payload });
  }
}

const payloadOf = (n: CachedNode): Buffer => n.data ?? Buffer.alloc(0);
