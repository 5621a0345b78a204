/**
 * The requests a client view makes on one node: create, delete, reads, writes, ACLs and sync,
 * and what its other requests share (the retry under the policy, the server version check):
 * the half of ZkClient's operations that name one node (./client.ts has transactions, watches
 * and contend).
 */
import { createArgs, type CreateOptions, type CreateResult } from './create.js';
import { toAcls, toBuffer, toVersion } from './convert.js';
import * as ops from './driver/ops.js';
import type { RawSession } from './driver/raw-session.js';
import * as requests from './driver/requests.js';
import { ServerTooOldError } from './errors.js';
import { deleteNode, type FrameworkDelete } from './framework/delete-node.js';
import { checkPacket, createNode, ensurePath, type FrameworkCreate } from './framework/nodes.js';
import { channels, traced } from './framework/observability.js';
import { withRetry } from './framework/retry.js';
import { withWatch } from './one-shot-watches.js';
import type { CallOptions, DeleteOptions } from './call-options.js';
import { ClientSession } from './client-session.js';
import type { Acl, Stat, Watcher } from './types.js';

const EMPTY = Buffer.alloc(0);
/** The options of a call given none (one object for all: a default `{}` is made per call). */
const NO_OPTIONS = Object.freeze({});

/** A rejected promise with what a synchronous check threw (always one of our errors). */
function rejected(e: unknown): Promise<never> {
  return Promise.reject(e instanceof Error ? e : new Error(String(e)));
}

/**
 * ZkClient's requests on one node, over the session and lifecycle members of `ClientSession`
 * (client-session.ts). Its members are ZkClient's: create clients with createClient().
 */
export abstract class ClientNodes extends ClientSession {
  /** Runs a request under the retry policy. */
  protected retry<T>(
    operation: string,
    path: string,
    options: CallOptions,
    run: (raw: RawSession) => Promise<T>,
  ) {
    const { signal } = options;
    return traced(operation, path, () =>
      withRetry(() => run(signal ? this.s.raw().withdrawing(signal) : this.s.raw()), {
        policy: options.retryPolicy ?? this.s.retryPolicy,
        operation,
        path,
        ...(signal ? { signal } : {}),
      }),
    );
  }

  protected requireServer(operation: string, required: string, raw: RawSession): void {
    if (!raw.serverAtLeast(required))
      throw new ServerTooOldError(operation, required, raw.serverVersion!);
  }

  // ---- operations -----------------------------------------------------------------------

  /**
   * Creates a node in any mode (containers and TTL nodes included) and returns the path the
   * server gave it (sequential names differ) with its Stat. Options: createParents (as
   * containers), protected (Curator's protection mode), acl (else the ACL provider's).
   * Retried on connection loss, except an unprotected sequential create (a repeat could make a
   * second node). Sent as create2/createContainer/createTTL: node-zookeeper-client alone returns
   * no Stat and silently makes a container a plain persistent node (docs/low-level-client.md,
   * "Missing operations").
   */
  create(
    path: string,
    data?: Buffer | string,
    options: CreateOptions = NO_OPTIONS,
  ): Promise<CreateResult> {
    // Not async, and without a closure or a spread on the way: this runs thousands of times a
    // second under load (bench/core-vs-raw.mjs). Bad arguments still reject, never throw.
    let serverPath: string;
    let o: FrameworkCreate & { minServer: string };
    try {
      o = createArgs(path, data, options);
      serverPath = this.ns.toServer(path, o.mode.includes('SEQUENTIAL'), options);
      const raw = this.s.raw();
      if (!raw.serverAtLeast(o.minServer)) {
        throw new ServerTooOldError(`create (${o.mode})`, o.minServer, raw.serverVersion!);
      }
    } catch (e) {
      return rejected(e);
    }
    if (this.ns.root !== undefined) return this.createInNamespace(serverPath, o);
    if (!channels.operation.hasSubscribers) return createNode(this.s, serverPath, o);
    return traced('create', serverPath, () => createNode(this.s, serverPath, o));
  }

  private async createInNamespace(serverPath: string, o: FrameworkCreate): Promise<CreateResult> {
    await this.ns.ensure(this.s, o.signal);
    const r = await traced('create', serverPath, () => createNode(this.s, serverPath, o));
    return { path: this.ns.fromServer(r.path), stat: r.stat };
  }

  /**
   * Makes sure `path` and its ancestors exist (as containers where the server can, persistent
   * where the ACL provider gives them a restrictive ACL).
   */
  async ensurePath(path: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const serverPath = this.ns.toServer(path, false, options);
    await this.ns.ensure(this.s, options.signal);
    await ensurePath(this.s, serverPath, options.signal);
  }

  /** Deletes a node: optionally its children first, optionally guaranteed (see {@link DeleteOptions}). */
  delete(path: string, options: DeleteOptions = NO_OPTIONS): Promise<void> {
    let serverPath: string;
    let o: FrameworkDelete;
    try {
      serverPath = this.ns.toServer(path, false, options);
      o = {
        version: toVersion(options.version),
        guaranteed: options.guaranteed === true,
        deleteChildren: options.deleteChildren === true,
        timeoutMs: options.requestTimeoutMs,
        signal: options.signal,
        retryPolicy: options.retryPolicy,
      };
    } catch (e) {
      return rejected(e);
    }
    // As create: not async, nothing traced unless someone listens.
    if (!channels.operation.hasSubscribers) return deleteNode(this.s, serverPath, o);
    return traced('delete', serverPath, () => deleteNode(this.s, serverPath, o));
  }

  /** The node's Stat, or null when it does not exist. A watch fires on create, delete or change. */
  async exists(
    path: string,
    options: CallOptions & { watch?: Watcher } = {},
  ): Promise<Stat | null> {
    const p = this.ns.toServer(path, false, options);
    const watch = this.ns.mapWatch(options.watch);
    const stat = await this.retry('exists', p, options, (raw) => {
      const w = this.s.watches.arm(raw, p, watch, 'data');
      return withWatch(w, () => ops.exists(raw, p, w?.fn, options.requestTimeoutMs));
    });
    return stat;
  }

  /** The node's data (an empty Buffer for a node without data) and Stat. */
  async getData(
    path: string,
    options: CallOptions & { watch?: Watcher } = {},
  ): Promise<{ data: Buffer; stat: Stat }> {
    const p = this.ns.toServer(path, false, options);
    const watch = this.ns.mapWatch(options.watch);
    const r = await this.retry('getData', p, options, (raw) => {
      const w = this.s.watches.arm(raw, p, watch, 'data');
      return withWatch(w, () => ops.getData(raw, p, w?.fn, options.requestTimeoutMs));
    });
    return { data: r.data ?? EMPTY, stat: r.stat };
  }

  /** Sets the node's data (empty data included); `version` -1 (default) matches any. */
  async setData(
    path: string,
    data: Buffer | string,
    options: CallOptions & { version?: number } = {},
  ): Promise<Stat> {
    const p = this.ns.toServer(path, false, options);
    // setData(path, null) throws TypeError in the package (upstream #94): always a Buffer.
    const buf = toBuffer(data);
    checkPacket(this.s, p, buf.length);
    const version = toVersion(options.version);
    return this.retry('setData', p, options, (raw) =>
      ops.setData(raw, p, buf, version, options.requestTimeoutMs),
    );
  }

  /** The node's children (unsorted, as the server lists them) and its Stat. */
  async getChildren(
    path: string,
    options: CallOptions & { watch?: Watcher } = {},
  ): Promise<{ children: string[]; stat: Stat }> {
    const p = this.ns.toServer(path, false, options);
    const watch = this.ns.mapWatch(options.watch);
    const r = await this.retry('getChildren', p, options, (raw) => {
      const w = this.s.watches.arm(raw, p, watch, 'children');
      return withWatch(w, () => ops.getChildren(raw, p, w?.fn, options.requestTimeoutMs));
    });
    return { children: r.children, stat: r.stat };
  }

  /** The node's ACL and Stat. */
  async getACL(path: string, options: CallOptions = {}): Promise<{ acl: Acl[]; stat: Stat }> {
    const p = this.ns.toServer(path, false, options);
    return this.retry('getACL', p, options, (raw) => ops.getACL(raw, p, options.requestTimeoutMs));
  }

  /** Replaces the node's ACL; `version` (default -1, any) is the ACL version it must have. */
  async setACL(
    path: string,
    acl: readonly Acl[],
    options: CallOptions & { version?: number } = {},
  ): Promise<Stat> {
    const p = this.ns.toServer(path, false, options);
    const acls = toAcls(acl);
    const version = toVersion(options.version);
    return this.retry('setACL', p, options, (raw) =>
      ops.setACL(raw, p, acls, version, options.requestTimeoutMs),
    );
  }

  /** Waits until the server this session is on has caught up with the leader (ZooKeeper sync). */
  async sync(path: string, options: CallOptions = {}): Promise<void> {
    const p = this.ns.toServer(path, false, options);
    await this.retry('sync', p, options, (raw) => requests.sync(raw, p, options.requestTimeoutMs));
  }
}
