import { checkAcls } from './driver/acls.js';
import { OpCode } from './driver/opcodes.js';
import { InvalidArgumentError } from './errors.js';
import {
  AcquireTimeoutError,
  contend,
  type ContendOptions,
  type HeldNode,
} from './framework/contender.js';
import { Deadline } from './kit/deadline.js';
import { untilAborted } from './kit/abort.js';
import { checkPacket, providerAcls } from './framework/nodes.js';
import { traced } from './framework/observability.js';
import { fromWireResults, toWireOps, type MultiOp, type MultiResult } from './multi.js';
import { multi } from './driver/multi.js';
import { multiRead } from './driver/multi-read.js';
import {
  checkReadOps,
  fromWireRead,
  toWireRead,
  type ReadOp,
  type ReadResult,
} from './multi-read.js';
import type { ClientOptions } from './options.js';
import { checkCallOptions } from './validate.js';
import type { PersistentWatchListener, PersistentWatchMode } from './persistent-watches.js';
import type { CallOptions, PersistentWatch } from './call-options.js';
import { ClientNodes } from './client-nodes.js';
import { ClientCore } from './client-core.js';
import type { RequestOptions } from './types.js';

export type { CreateOptions, CreateResult } from './create.js';
export type { MultiOp, MultiResult } from './multi.js';
export type { ReadOp, ReadResult } from './multi-read.js';
export type { CallOptions, DeleteOptions, PersistentWatch } from './call-options.js';

/**
 * A ZooKeeper client with Curator's connection states, a new session after LOST, a deadline
 * on every request, retries by policy, namespaces, and node-zookeeper-client's defects
 * compensated. Create it with {@link createClient}; `usingNamespace()` gives views that share
 * its connection. Its session and lifecycle members are `ClientSession`'s (client-session.ts),
 * its requests on one node `ClientNodes`' (client-nodes.ts).
 */
export class ZkClient extends ClientNodes {
  /**
   * A view of this client whose paths live under `/<namespace>` (undefined: no namespace). It
   * shares the connection, session and lifecycle: closing any view closes the client.
   */
  usingNamespace(namespace: string | undefined): ZkClient {
    return new ZkClient(this.s, namespace);
  }

  /**
   * Runs the operations as one transaction: all are applied or none. Versions are used exactly
   * as given (0 is a version; -1 matches any). A failed transaction rejects with the typed error
   * of the operation that failed. Not retried (it may create nodes); creates take the ACL
   * provider's ACL when they give none. Without a namespace it is written in the call itself,
   * like every other request: a read called right after it reaches the server after it, on the
   * same session (ZooKeeper answers a session's requests in order), so a recipe can pipeline
   * the two (the queue's claim and read of an item).
   */
  async multi(
    ops_: readonly MultiOp[],
    options: RequestOptions & { signal?: AbortSignal } = {},
  ): Promise<MultiResult[]> {
    checkCallOptions(options);
    const wire = toWireOps(ops_).map((op) => {
      const create =
        op.type === OpCode.create ||
        op.type === OpCode.createContainer ||
        op.type === OpCode.createTTL;
      const sequential = op.mode === 2 || op.mode === 3 || op.mode === 6;
      const path = this.ns.toServer(op.path, create && sequential);
      if (op.data) checkPacket(this.s, path, op.data.length);
      let acls = op.acls;
      if (create && acls === undefined) {
        acls = providerAcls(this.s.aclProvider, path);
        checkAcls(acls); // refused here, before anything is sent, as the caller's own are
      }
      return { ...op, path, ...(acls ? { acls } : {}) };
    });
    // Only with a namespace to make: an await here would let a request made after this one
    // reach the server before it (the queue's pipelined read and update()'s read-back rely on
    // call order).
    if (this.ns.root !== undefined) await this.ns.ensure(this.s, options.signal);
    const raw = this.s.raw();
    const { signal } = options;
    // Never retried (a transaction may have applied). The signal ends the wait at once, and
    // takes the request back while it is not yet written; a written one may still apply.
    const results = fromWireResults(
      await traced('multi', wire[0]!.path, () =>
        untilAborted(
          multi(signal ? raw.withdrawing(signal) : raw, wire, options.requestTimeoutMs),
          signal,
        ),
      ),
    );
    return results.map((r) => (r.op === 'create' ? { ...r, path: this.ns.fromServer(r.path) } : r));
  }

  /**
   * Runs several reads in one request (ZooKeeper's multiRead, 3.6+; ServerTooOldError before
   * sending on an older server): one round trip and one request's cost for hundreds of nodes.
   * Not a transaction: each read answers alone, a failed one with its typed error in its
   * result, and no watch is set. Retried by the policy as a whole (reads are idempotent).
   */
  async multiRead(ops: readonly ReadOp[], options: CallOptions = {}): Promise<ReadResult[]> {
    checkCallOptions(options);
    checkReadOps(ops);
    const wire = ops.map((o) => toWireRead(o.op, this.ns.toServer(o.path, false)));
    const results = await this.retry('multiRead', wire[0]!.path, options, (raw) => {
      this.requireServer('multiRead', '3.6.0', raw);
      return multiRead(raw, wire, options.requestTimeoutMs);
    });
    return results.map((r, i) => fromWireRead(ops[i]!.op, ops[i]!.path, r));
  }

  /**
   * Adds a persistent (or persistent recursive) watch: the listener hears every change until
   * the watch is removed, across reconnects and new sessions (after which it gets `Resync`:
   * read again, events may have been missed). Needs ZooKeeper 3.6+.
   */
  async addWatch(
    path: string,
    listener: PersistentWatchListener,
    options: RequestOptions & { mode?: PersistentWatchMode } = {},
  ): Promise<PersistentWatch> {
    const p = this.ns.toServer(path, false, options);
    const mode = options.mode ?? 'persistent';
    if (mode !== 'persistent' && mode !== 'persistentRecursive') {
      throw new InvalidArgumentError('mode', 'mode must be persistent or persistentRecursive');
    }
    if (typeof listener !== 'function')
      throw new InvalidArgumentError('listener', 'listener must be a function');
    const mapped: PersistentWatchListener =
      this.ns.root === undefined
        ? listener
        : (e) => listener({ ...e, path: this.ns.fromServer(e.path) });
    const raw = this.s.raw();
    this.requireServer('addWatch', '3.6.0', raw);
    await this.s.persistent.watch(raw, p, mode, mapped, options.requestTimeoutMs);
    let removed: Promise<void> | undefined;
    const remove = () =>
      (removed ??= this.s.closePromise
        ? Promise.resolve()
        : this.s.persistent.unwatch(this.s.raw(), p, mode, mapped));
    return { path, mode, remove, [Symbol.asyncDispose]: remove };
  }

  /**
   * Removes this session's one-shot watches on `path` (`data` covers getData and exists
   * watches), on the server and for good: they are not re-armed on reconnect. Each removed
   * watcher hears `WatchRemoved`, once. Rejects with NoWatcherError when there was none.
   */
  async removeWatches(
    path: string,
    options: RequestOptions & { type?: 'data' | 'children' | 'any' } = {},
  ): Promise<void> {
    const p = this.ns.toServer(path, false, options);
    const type = options.type ?? 'any';
    if (!['data', 'children', 'any'].includes(type)) {
      throw new InvalidArgumentError('type', 'type must be data, children or any');
    }
    const raw = this.s.raw();
    this.requireServer('removeWatches', '3.5.0', raw);
    await this.s.watches.remove(raw, p, type, options.requestTimeoutMs);
  }

  /**
   * The contender primitive every recipe is made of: creates a protected ephemeral-sequential
   * node under `path` and resolves once `options.driver` says it holds (default: first in line,
   * a mutex). Waits with a getData watch on one predecessor, so one deletion wakes one
   * contender. On abort, timeout or error its node is deleted before the promise rejects.
   * `nodePath` is in this view's namespace; `fencingToken` is the node's czxid.
   */
  async contend(path: string, options: ContendOptions): Promise<HeldNode> {
    const p = this.ns.toServer(path); // its options are a wait's: checked by Deadline.of below
    checkCallOptions({ signal: options?.signal });
    if (
      typeof options?.lockName !== 'string' ||
      options.lockName.length === 0 ||
      options.lockName.includes('/')
    ) {
      throw new InvalidArgumentError('lockName', 'lockName must be a non-empty name without "/"');
    }
    // Bounded as a whole: with ZooKeeper unreachable its requests end at the timeout too, not
    // at the session's end (ADR 0031); its node is then deleted as on any abort.
    return Deadline.run(
      options.deadline ?? options,
      (ms) => new AcquireTimeoutError(path, ms),
      async (deadline) => {
        await this.ns.ensure(this.s, deadline.signal);
        try {
          const c = await contend(this.s, p, { ...options, deadline });
          return { ...c, nodePath: this.ns.fromServer(c.nodePath) };
        } catch (e) {
          // The caller's path, not the server's (a namespace differs).
          if (e instanceof AcquireTimeoutError) throw new AcquireTimeoutError(path, e.timeoutMs);
          throw e;
        }
      },
    );
  }
}

/**
 * Creates a client. Options are validated (zod); a bad one throws InvalidArgumentError naming
 * the field. Nothing connects until `start()`.
 *
 * @example
 * await using client = createClient({ connectString: '127.0.0.1:2181', namespace: 'my-app' });
 * await client.start({ timeoutMs: 10_000 });
 * client.onStateChange(({ state }) => console.log(state));
 */
export function createClient(options: ClientOptions): ZkClient {
  const shared = new ClientCore(options);
  return new ZkClient(shared, shared.namespace);
}
