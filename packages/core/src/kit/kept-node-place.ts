/**
 * Placing a kept node (kit/kept-node.ts): creating it, or recognising the node at its path as
 * ours and rewriting only data that differs; a sequential create whose reply was lost is looked
 * for before another is sent (kit/lost-create.ts), and a create whose outcome stays unknown is
 * remembered, for close() to hand to the client's background job.
 */
import type { MultiOp, ZkClient } from '../client.js';
import { abandonCreateInView, isPreviousSession, requestSessionId } from '../client-session.js';
import { BadVersionError, isRetryable, NodeExistsError, NoNodeError } from '../errors.js';
import type { CreateMode, Stat } from '../types.js';
import { heldNode } from './held-node.js';
import { removePreviousSequential, replacePrevious } from './kept-node-previous.js';
import { NodeConflictError, type KeptNodeOptions } from './kept-node-types.js';
import { findLostCreate, isSequentialOf, type LostNode } from './lost-create.js';
import { setDataAtVersion } from './version.js';

/** How a node came to be in place. */
export type PlacedHow = 'created' | 'kept' | 'rewritten';

/** What a placement tells the kept node it works for. */
export interface PlacementHost {
  /** Whether close() removes the node (asked when an answer comes after close). */
  removeOnClose(): boolean;
  /** The node is in place. */
  placed(path: string, how: PlacedHow): void;
  /** The path is another session's. */
  conflict(error: NodeConflictError): void;
  /** An error survived (a late create's removal that failed). */
  report(error: unknown): void;
}

/** How often a placement goes round (a node that vanishes or changes under it) before failing. */
const ROUNDS = 5;

/** A kept node's placement: its state on the server as far as this process knows. */
export class Placement {
  /** The data the node is kept with. */
  data: Buffer;
  readonly mode: CreateMode;
  /** The real path (a sequential node's name has the server's counter) once placed. */
  real: string | undefined;
  stat: Stat | undefined;
  /** The session the node was last made sure of on. */
  placedOn: bigint | undefined;
  /** A create of a sequential ephemeral was sent on this session: look before the next. */
  private sentOn: bigint | undefined;
  /** A create whose outcome is unknown, on that session (cleaned up if never placed). */
  private unknownOn: bigint | undefined;
  /** close() has removed (or left) the node: a create answered later is undone at once. */
  released = false;

  constructor(
    private readonly client: ZkClient,
    /** Where the node goes (a sequential node: the path its name is made from). */
    readonly path: string,
    private readonly options: KeptNodeOptions,
    private readonly host: PlacementHost,
  ) {
    this.mode = options.mode ?? 'EPHEMERAL';
    this.data = options.data ?? Buffer.alloc(0);
  }

  get ephemeral(): boolean {
    return this.mode.startsWith('EPHEMERAL');
  }

  private get sequential(): boolean {
    return this.mode.includes('SEQUENTIAL');
  }

  private get parent(): string {
    const i = this.path.lastIndexOf('/');
    return i <= 0 ? '/' : this.path.slice(0, i);
  }

  /** Whether a node with this Stat is ours: ephemeral of our session, or persistent. */
  isOurs(stat: Stat | null): boolean {
    if (!stat) return false;
    if (!this.ephemeral) return stat.ephemeralOwner === 0n;
    return stat.ephemeralOwner === this.client.session?.sessionId;
  }

  /**
   * Never placed, but a create may have gone through (its reply lost, or given up): hands it to
   * the client's background job, which deletes whatever of ours it left, by name and owner.
   */
  abandonUnknown(): void {
    if (this.unknownOn === undefined || !this.ephemeral) return;
    const name = this.path.slice(this.parent.length + (this.parent === '/' ? 0 : 1));
    const matches = this.sequential
      ? (c: string) => isSequentialOf(name, c)
      : (c: string) => c === name;
    abandonCreateInView(this.client, this.parent, matches, this.unknownOn);
  }

  /** Creates the node, or recognises it as ours; NodeConflictError when it is someone else's. */
  async place(signal: AbortSignal): Promise<void> {
    for (let round = 0; ; round++) {
      const session = await this.sessionToSendOn(signal);
      let found: LostNode | null | undefined;
      if (this.sequential && this.ephemeral && session !== undefined && this.sentOn === session) {
        // A create was sent on this session: its reply may have been lost.
        const o = { sessionId: session, sequential: true, withData: true, signal };
        found = await findLostCreate(this.client, this.path, o);
      } else if (this.sequential && this.ephemeral && this.sentOn !== undefined) {
        // Made again on a new session: our node of the one before may still be there (a
        // restarted server restores that session until it times out there), and would stand
        // beside the one about to be made. Deleted first, as a fixed name's is (ADR 0032).
        await removePreviousSequential(this.client, this.path, signal);
      }
      if (!found) {
        try {
          await this.create(session, signal);
          return;
        } catch (e) {
          // A sequential create is not repeated by the client (a repeat could make a second
          // node): its reply lost, we look for it by name and owner, then create if absent.
          const lost = this.sentOn !== undefined && isRetryable(e) && !signal.aborted;
          if (lost && round <= ROUNDS) continue;
          if (!(e instanceof NodeExistsError) || this.sequential || round > ROUNDS) throw e;
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
      if (this.ephemeral && isPreviousSession(this.client, node.stat.ephemeralOwner)) {
        // Made by this client on a session it has since lost (a restarted server restores the
        // session with its ephemerals until it times out there): ours, not a conflict. Deleted
        // at the version read, then ours is created (ADR 0032).
        await replacePrevious(this.client, node.path, node.stat.version, signal);
        continue;
      }
      if (!this.isOurs(node.stat)) {
        const conflict = new NodeConflictError(this.path, node.stat.ephemeralOwner);
        this.host.conflict(conflict);
        throw conflict;
      }
      // Ours (a create whose reply was lost, a persistent node made before, a new session):
      // write only what differs, on the version read (whatever it is: kit/version.ts).
      if (node.data!.equals(this.data)) return this.placed(node.path, node.stat, 'kept');
      try {
        const stat = await setDataAtVersion(this.client, node.path, this.data, node.stat.version, {
          signal,
        });
        return this.placed(node.path, stat, 'rewritten');
      } catch (e) {
        if (!(e instanceof BadVersionError || e instanceof NoNodeError) || round > ROUNDS) throw e;
      }
    }
  }

  /**
   * The session a create sent now goes out on. From a LOST until the new session is made none
   * is known (`client.session` still names the lost one while requests wait for the new one):
   * waited for, or a create made on the new session would be remembered as the lost one's (a
   * sequential node looked for on the wrong session and made twice, a create in doubt handed to
   * the background job under the wrong owner and left for the new session's life).
   */
  private async sessionToSendOn(signal: AbortSignal): Promise<bigint | undefined> {
    const session = requestSessionId(this.client);
    if (session !== undefined || this.client.state !== 'LOST') return session;
    await this.client.blockUntilConnected({ signal });
    return requestSessionId(this.client);
  }

  private placed(path: string, stat: Stat, how: PlacedHow): void {
    if (this.released) {
      // Answered after close() gave up waiting for it: removed now, as close would have.
      if (this.host.removeOnClose() && (this.ephemeral || how === 'created')) {
        const gone = this.ephemeral
          ? heldNode(this.client, path, stat).release()
          : this.client.delete(path, { guaranteed: true });
        gone.catch((e: unknown) => this.host.report(e));
      }
      return;
    }
    this.real = path;
    this.stat = stat;
    this.placedOn = this.client.session?.sessionId;
    this.unknownOn = undefined;
    this.host.placed(path, how);
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
        // A persistent node is not raced with the signal: a create answered after close() gave
        // up must still reach placed(), which removes it (an ephemeral one in doubt is looked
        // for and removed by the release instead). Raced, its late success went nowhere and
        // the node stayed for good.
        ...(this.ephemeral ? { signal } : {}),
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
}
