/**
 * A registration's node, kept in place across sessions with no churn: made once, left alone on
 * a plain reconnect (same session: the server still has it), and after a new session re-made
 * only where missing and rewritten only where its data differs. Curator's re-registration
 * deletes and re-creates every instance on every reconnect, so each watcher sees it vanish
 * (docs/recipes/discovery.md, "Reconnects and expiry"). Discovery's own, kept small until the
 * kit has one general node-keeping mechanism (docs/adr/0018-discovery-kept-node.md).
 */
import {
  BadVersionError,
  NodeExistsError,
  NoNodeError,
  type CreateMode,
  type Stat,
  type ZkClient,
} from '@zk-recipes/core';
import { heldNode, whileConnected, RELEASE_BOUND_MS } from '@zk-recipes/core/recipe';

/** A sequential node's name: the id and ZooKeeper's 10-digit counter. */
const sequentialOf = (id: string, child: string) =>
  child.length === id.length + 10 &&
  child.startsWith(id) &&
  /^\d{10}$/.test(child.slice(id.length));

export class KeptNode {
  /** The node's real path once made (a sequential node's name has the server's suffix). */
  path: string | undefined;
  /** The session the node was last made sure of under. */
  session: bigint | undefined;
  private stat: Stat | undefined;
  /** Whether a create was ever sent (a sequential one may then exist unknown to us). */
  private createSent = false;
  /** One change at a time: ensure, rewrite and remove never overlap. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: ZkClient,
    /** `basePath/name`. */
    private readonly parent: string,
    private readonly id: string,
    private readonly mode: CreateMode,
    public data: Buffer,
  ) {}

  private get ephemeral(): boolean {
    return this.mode.startsWith('EPHEMERAL');
  }

  private get sequential(): boolean {
    return this.mode.includes('SEQUENTIAL');
  }

  /** Runs `f` after every change queued before it. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(f, f);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Whether the node is known to be in place on the current session. */
  get current(): boolean {
    return this.path !== undefined && this.session === this.client.session?.sessionId;
  }

  /**
   * Makes sure the node is there with `data`: kept as it is when it is (ours, same data),
   * rewritten when only the data differs, made when missing. An ephemeral of another session
   * under our id (this client's previous session, or a process registered with the same id)
   * is replaced, as Curator replaces it.
   */
  ensure(signal?: AbortSignal): Promise<'kept' | 'rewritten' | 'created'> {
    return this.serial(() => this.ensureNow(signal));
  }

  /** Rewrites the data (an update), on the node where it is now. */
  rewrite(data: Buffer, signal?: AbortSignal): Promise<unknown> {
    return this.serial(async () => {
      this.data = data;
      if (this.path === undefined) return this.ensureNow(signal);
      try {
        this.stat = await this.client.setData(this.path, data, { signal });
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
        return this.ensureNow(signal); // gone meanwhile (a new session): make it anew
      }
    });
  }

  private async ensureNow(signal?: AbortSignal): Promise<'kept' | 'rewritten' | 'created'> {
    const o = signal ? { signal } : {};
    // A node by id is created first and looked at only when it exists (one round trip in the
    // common case: a first registration, an ephemeral gone with its session). A sequential
    // node is looked for first once a create of it was ever sent (its reply may have been
    // lost, and a second create would make a second node).
    let look = this.sequential && this.createSent;
    for (let round = 0; ; round++) {
      const session = this.client.session?.sessionId;
      if (look) {
        const found = this.sequential ? await this.findOurs(session) : await this.read(this.target);
        if (found && (!this.ephemeral || found.stat.ephemeralOwner === session)) {
          this.path = found.path;
          this.stat = found.stat;
          if (!found.data.equals(this.data)) {
            try {
              this.stat = await this.client.setData(found.path, this.data, {
                ...o,
                version: found.stat.version,
              });
            } catch (e) {
              if (!(e instanceof BadVersionError || e instanceof NoNodeError) || round > 5) throw e;
              continue; // changed or gone under us: look again
            }
          }
          this.session = session;
          return found.data.equals(this.data) ? 'kept' : 'rewritten';
        }
        if (found) {
          // An ephemeral of another session under our id: replace it, as Curator does.
          await this.client.delete(found.path, { ...o, version: found.stat.version }).catch((e) => {
            if (!(e instanceof NoNodeError || e instanceof BadVersionError)) throw e;
          });
        }
      }
      try {
        this.createSent = true;
        const r = await this.client.create(this.target, this.data, {
          ...o,
          mode: this.mode,
          createParents: true, // as containers, as Curator makes basePath and the name node
        });
        this.path = r.path;
        this.stat = r.stat;
        this.session = session;
        return 'created';
      } catch (e) {
        if (!(e instanceof NodeExistsError) || round > 5) throw e;
        look = true;
      }
    }
  }

  /** Where a create goes: the id, or the prefix of a sequential name. */
  private get target(): string {
    return `${this.parent}/${this.id}`;
  }

  private async read(path: string) {
    try {
      return { path, ...(await this.client.getData(path)) };
    } catch (e) {
      if (e instanceof NoNodeError) return undefined;
      throw e;
    }
  }

  /**
   * A sequential node of ours on `session`: the one we made, or one whose create's reply was
   * lost (found by its name and owner, so a retry never makes a second one: Curator's
   * re-registration duplicates these nodes).
   */
  private async findOurs(session: bigint | undefined) {
    if (this.path !== undefined) {
      const r = await this.read(this.path);
      if (r && r.stat.ephemeralOwner === session) return r;
    }
    let children: string[];
    try {
      ({ children } = await this.client.getChildren(this.parent));
    } catch (e) {
      if (e instanceof NoNodeError) return undefined;
      throw e;
    }
    for (const c of children.filter((c) => sequentialOf(this.id, c)).sort()) {
      const r = await this.read(`${this.parent}/${c}`);
      if (r && r.stat.ephemeralOwner === session) return r;
    }
    return undefined;
  }

  /**
   * Removes the node: an ephemeral's release returns within the release bound without
   * ZooKeeper (the delete goes on in the background, or the node goes with its session); a
   * persistent node's delete is guaranteed and waited for while connected.
   */
  remove(): Promise<void> {
    return this.serial(async () => {
      const path = this.path;
      const stat = this.stat;
      this.path = undefined;
      if (path === undefined || stat === undefined) return;
      if (this.ephemeral) {
        await heldNode(this.client, path, stat).release();
        return;
      }
      await whileConnected(
        this.client,
        this.client.delete(path, { guaranteed: true }).catch((e) => {
          if (!(e instanceof NoNodeError)) throw e;
        }),
        RELEASE_BOUND_MS,
      );
    });
  }
}
