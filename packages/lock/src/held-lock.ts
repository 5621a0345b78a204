/**
 * The lock node a process holds, and its local hand-off (docs/adr/0006): when a holder releases
 * while others in the same process wait, and no other process's contender has joined the path
 * since we were granted, the next local waiter takes the same node over, without a request.
 *
 * Another process must not starve. We hear of its contender through one getChildren watch on
 * the lock path, set once per node when local waiters exist (its listing must show our node
 * alone); any event of that watch ends hand-offs for the node. The notification takes a round
 * trip to reach us, so a hard cap (`maxLocalHandoffs`) bounds what happens meanwhile: a node is
 * granted at most `maxLocalHandoffs + 1` times in all, and a waiter elsewhere, whose node sorts
 * after ours, waits for at most that many local holders of it.
 */
import { channels, nodeName, type HeldNode, type ZkClient } from '@zk-recipes/core';
import { unconfirmedHold, whileConnected } from '@zk-recipes/core/recipe';
import { fencingTokenOf } from './lease.js';
import type { LocalLine } from './local-line.js';
import { watchForRevocation } from './revocation.js';

const stateChanges = new WeakMap<ZkClient, { count: number }>();

/**
 * How many connection state changes `client` has seen since we started counting: one listener
 * per client for every node it holds (one each would trip Node's MaxListenersExceededWarning
 * past 10 held locks).
 */
function stateCounter(client: ZkClient): { readonly count: number } {
  let counter = stateChanges.get(client);
  if (!counter) {
    const c = { count: 0 };
    client.onStateChange(() => c.count++);
    stateChanges.set(client, c);
    counter = c;
  }
  return counter;
}

export class HeldLock {
  /** How many times the node has been handed over so far. */
  handoffs = 0;
  /** The hold signal of the grant: every lease on the node aborts with it. */
  readonly hold: AbortSignal;
  /** Why hand-offs ended for this node, once they have. */
  private ended: string | undefined;
  private joins: Promise<void> | undefined;
  private readonly states: { readonly count: number };
  private readonly statesAtGrant: number;
  private revocation: 'none' | 'watching' | 'requested' = 'none';
  private readonly revokeListeners = new Set<() => void>();

  constructor(
    readonly client: ZkClient,
    readonly path: string,
    private readonly held: HeldNode,
    private readonly maxHandoffs: number,
  ) {
    this.hold = client.holdSignal();
    this.states = stateCounter(client);
    this.statesAtGrant = this.states.count;
    if (maxHandoffs === 0) this.end('disabled');
  }

  get nodePath(): string {
    return this.held.nodePath;
  }

  /** The fencing token of the node's current grant. */
  get fencingToken(): bigint {
    return fencingTokenOf(this.held.stat.czxid, this.handoffs);
  }

  private end(why: string): void {
    this.ended ??= why;
  }

  /**
   * Sets (once) the getChildren watch that tells us another process has joined the path. Its
   * listing must show our node alone: anyone else there waits behind us already.
   */
  watchJoins(): void {
    if (this.joins || this.ended) return;
    const ours = nodeName(this.held.nodePath);
    this.joins = this.client.getChildren(this.path, { watch: () => this.end('joined') }).then(
      ({ children }) => {
        if (children.length === 1 && children[0] === ours) return;
        this.end('joined');
        // Without our node in the listing (its session is gone), our own delete will not fire
        // this watch: take it back rather than leave it on the server.
        if (!children.includes(ours)) {
          void this.client.removeWatches(this.path, { type: 'children' }).catch(() => undefined);
        }
      },
      () => this.end('watch failed'),
    );
  }

  /** Whether the node may go to the next local waiter now, without a request. */
  async mayHandOff(): Promise<boolean> {
    if (!this.usable()) return false;
    this.watchJoins(); // normally set when the first waiter came; this once costs a round trip
    // Not past the connection: its retries while ZooKeeper is gone would hold the hand-off
    // (and a release) for minutes; without a connection the node is not handed on anyway.
    if (this.joins) await whileConnected(this.client, this.joins);
    return this.usable();
  }

  private usable(): boolean {
    const state = this.client.state;
    return (
      this.ended === undefined &&
      this.handoffs < this.maxHandoffs &&
      // Any state change since the grant (SUSPENDED, LOST, even RECONNECTED on the same
      // session, after which a watch event from the gap may still be on its way) ends
      // hand-offs: a node whose session was in doubt goes on only through ZooKeeper.
      this.states.count === this.statesAtGrant &&
      !this.hold.aborted &&
      (state === 'CONNECTED' || state === 'RECONNECTED') &&
      this.client.session?.sessionId === this.held.sessionId &&
      // A process just resumed from a pause has not read its socket yet: its state says
      // nothing, the clock does (lease.assertHeld()).
      unconfirmedHold(this.client) === undefined
    );
  }

  /**
   * Calls `listener` when someone asks for the node back (requestRevoke), and ends hand-offs
   * then: the requester wants the node gone, not passed on. One data watch per node serves
   * every lease on it, handed-over ones included. Returns a function that unsubscribes.
   */
  onRevoke(listener: () => void): () => void {
    this.revokeListeners.add(listener);
    if (this.revocation === 'requested') queueMicrotask(() => this.revoked());
    else if (this.revocation === 'none') {
      this.revocation = 'watching';
      watchForRevocation(this.client, this.held.nodePath, () => this.revoked());
    }
    return () => void this.revokeListeners.delete(listener);
  }

  private revoked(): void {
    this.revocation = 'requested';
    this.end('revoked');
    for (const listener of [...this.revokeListeners]) {
      this.revokeListeners.delete(listener);
      try {
        listener();
      } catch {
        /* the holder's callback: its error is not the lock's to handle */
      }
    }
  }

  /** Deletes the node (guaranteed; never throws) and stops listening for it. */
  async release(): Promise<void> {
    this.end('released');
    this.revokeListeners.clear();
    // The listing went out before the delete, so our own delete fires the children watch and
    // none is left on the server, without a removeWatches request (the hand-off tests check
    // for NOWATCHER: the server's wchc, which the leftover checks read, lists data watches only).
    // Not past the connection, so a release with ZooKeeper gone returns within the bound: a
    // watch the listing then leaves goes with our node's delete or with its session.
    if (this.joins) await whileConnected(this.client, this.joins);
    try {
      // A guaranteed delete: if it cannot be confirmed now it goes on in the background, and
      // the node also goes with the session (CURATOR-678: the local line moves on anyway).
      await this.held.release();
    } catch {
      /* deferred to the background delete */
    }
  }
}

/**
 * What a holder's release does: hands the node to the next local waiter when it may, else
 * deletes it and lets the next waiter contend. Never throws.
 */
export async function handOn(line: LocalLine<HeldLock>, node: HeldLock): Promise<void> {
  if (line.waiting > 0 && (await node.mayHandOff()) && line.waiting > 0) {
    node.handoffs++;
    if (channels.recipe.hasSubscribers) {
      channels.recipe.publish({
        recipe: 'mutex',
        event: 'handoff',
        path: node.nodePath,
        handoffs: node.handoffs,
      });
    }
    line.passOn(node);
    return;
  }
  line.node = undefined;
  try {
    await node.release();
  } finally {
    line.passOn();
  }
}
