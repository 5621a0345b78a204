/**
 * Curator's ServiceDiscovery: registers this process's instances under `basePath/name/id` and
 * reads everyone's. Each registration is the kit's KeptNode: kept across sessions without churn.
 */
import {
  ClientClosedError,
  IllegalStateError,
  InvalidArgumentError,
  validatePath,
  type ZkClient,
} from '@zk-recipes/core';
import { Deadline, joinSignals, Lifecycle, type WaitOptions } from '@zk-recipes/core/recipe';
import type { ServiceDiscoveryEvents, ServiceDiscoveryOptions } from './discovery-types.js';
import { DiscoveryTimeoutError, type DiscoveryOperation } from './errors.js';
import { checkNodeName, type ServiceInstance } from './instance.js';
import { ServiceCache } from './cache.js';
import { ServiceProvider, type ServiceProviderOptions } from './provider.js';
import { InstanceQueries } from './queries.js';
import { checkInstance, Registrations } from './registrations.js';
import { instanceSerializer, type InstanceSerializer } from './serializer.js';

/**
 * Service registration and lookup, Curator's layout and JSON: Java services on
 * curator-x-discovery read our instances and we read theirs.
 *
 * @example
 * await using discovery = new ServiceDiscovery(client, { basePath: '/services' });
 * await discovery.start();
 * await discovery.register(serviceInstance({ name: 'billing', port: 8080 }));
 * const all = await discovery.instances('billing');
 */
export class ServiceDiscovery<P = unknown> extends Lifecycle<ServiceDiscoveryEvents> {
  /** The serializer every node is written and read with. */
  readonly serializer: InstanceSerializer<P>;
  private readonly registrations: Registrations<P>;
  private readonly queries: InstanceQueries<P>;
  /** The caches (and providers' caches) made here: closed with the discovery, as Curator's. */
  private readonly caches = new Set<ServiceCache<P>>();

  constructor(
    readonly client: ZkClient,
    options: ServiceDiscoveryOptions<P>,
  ) {
    const basePath = options?.basePath;
    if (typeof basePath !== 'string')
      throw new InvalidArgumentError('basePath', 'basePath is required');
    validatePath(basePath);
    if (basePath === '/') throw new InvalidArgumentError('basePath', 'basePath cannot be the root');
    super('ServiceDiscovery', basePath);
    this.serializer =
      options.serializer ??
      instanceSerializer({ payload: options.payload, payloadClass: options.payloadClass });
    this.registrations = new Registrations<P>(
      client,
      this.closeSignal,
      (name) => this.servicePath(name),
      (e) => this.report(e),
      (operation, o, f) => this.withDeadline(operation, o, f),
    );
    this.queries = new InstanceQueries<P>(client, basePath, this.serializer, (e) => this.report(e));
  }

  protected onStart(): Promise<void> {
    return Promise.resolve();
  }

  protected async onClose(): Promise<void> {
    // PERMANENT instances outlive the discovery (Curator removes them: CURATOR-94): their
    // KeptNodes leave them on close.
    const nodes = this.registrations.drain();
    await Promise.all([...[...this.caches].map((c) => c.close()), ...nodes.map((n) => n.close())]);
  }

  /** The path of a service's node. */
  servicePath(name: string): string {
    return `${this.path}/${checkNodeName('name', name)}`;
  }

  /**
   * Registers `instance` (made with `serviceInstance()`): its node is created (with
   * `basePath` and the service's node as containers, as Curator makes them) and kept through
   * reconnects and new sessions until `unregister()` or `close()`. Registering an id again
   * rewrites its data. Bad input is an InvalidArgumentError or a SerializationError before
   * anything is sent.
   *
   * Resolves once the node is in place; a first registration that fails rejects with its
   * typed error and leaves nothing behind: it is not kept, and a node its create may have made
   * (a lost reply, a timeout) is deleted by the client's background job. Another live session's
   * node under the same id is a NodeConflictError (Curator deletes it); no node in place within
   * `timeoutMs` is a RegistrationTimeoutError. See ADR 0025.
   */
  async register(instance: ServiceInstance<P>, options: WaitOptions = {}): Promise<void> {
    this.requireStarted();
    const data = this.serializer.serialize(checkInstance(instance));
    await this.registrations.register(instance, data, options);
  }

  /**
   * Rewrites a registered instance's data (Curator's updateService: one setData, on the node's
   * real path). The instance must be registered, with the same name and service type.
   */
  async update(instance: ServiceInstance<P>, options: WaitOptions = {}): Promise<void> {
    this.requireStarted();
    const data = this.serializer.serialize(checkInstance(instance));
    await this.registrations.update(instance, data, options);
  }

  /**
   * Removes a registered instance's node (PERMANENT ones too: this is the explicit way) and
   * stops keeping it. An id not registered here is nothing to do.
   */
  async unregister(id: string, options: WaitOptions = {}): Promise<void> {
    this.requireStarted();
    checkNodeName('id', id);
    await this.registrations.unregister(id, options);
  }

  /**
   * A started ServiceCache of service `name`, its initial load done (CacheNotReadyError at
   * `timeoutMs`). Every cache and provider of one service on one client shares one engine and
   * one decoded list; close each when done.
   */
  async serviceCache(name: string, options: WaitOptions = {}): Promise<ServiceCache<P>> {
    this.requireStarted();
    if (this.client.state === 'CLOSED') throw new ClientClosedError();
    if (this.client.state === 'LATENT') {
      throw new IllegalStateError('LATENT', 'the client must be started first', {
        path: this.path,
      });
    }
    const cache = new ServiceCache<P>(this.client, this.servicePath(name), this.serializer);
    this.caches.add(cache);
    cache.on('closed', () => this.caches.delete(cache));
    await cache.start();
    try {
      await cache.ready(options);
    } catch (e) {
      await cache.close();
      throw e;
    }
    return cache;
  }

  /**
   * A ServiceProvider of service `name` over a shared ServiceCache (see serviceCache()),
   * loaded: `getInstance()` answers from memory.
   */
  async serviceProvider(
    name: string,
    options: ServiceProviderOptions<P> & WaitOptions = {},
  ): Promise<ServiceProvider<P>> {
    const { signal, timeoutMs, ...rest } = options;
    const cache = await this.serviceCache(name, { signal, timeoutMs });
    try {
      return new ServiceProvider(cache, rest);
    } catch (e) {
      await cache.close();
      throw e;
    }
  }

  /** The instances registered through this discovery (not yet unregistered). */
  registered(): ServiceInstance<P>[] {
    this.throwIfClosed();
    return this.registrations.instances();
  }

  /** The names of the services that have a node under `basePath` (Curator's queryForNames). */
  async names(options: WaitOptions = {}): Promise<string[]> {
    this.requireStarted();
    return this.withDeadline('names', options, (signal) => this.queries.names(signal));
  }

  /**
   * Every instance of service `name` (Curator's queryForInstances), read in one pipelined
   * round. A node that is no instance (or whose payload fails the schema) is reported on the
   * `error` event and left out.
   */
  async instances(name: string, options: WaitOptions = {}): Promise<ServiceInstance<P>[]> {
    this.requireStarted();
    const parent = this.servicePath(name);
    return this.withDeadline('instances', options, (signal) =>
      this.queries.instances(parent, signal),
    );
  }

  /**
   * One instance of service `name` by its id (Curator's queryForInstance), or undefined. A
   * `DYNAMIC_SEQUENTIAL` instance is found too (its node name has a suffix Curator's lookup
   * misses).
   */
  async instance(
    name: string,
    id: string,
    options: WaitOptions = {},
  ): Promise<ServiceInstance<P> | undefined> {
    this.requireStarted();
    const parent = this.servicePath(name);
    checkNodeName('id', id);
    return this.withDeadline('instance', options, (signal) =>
      this.queries.instance(parent, id, signal),
    );
  }

  /**
   * A closed discovery is RecipeClosedError (it cannot be started again: "start() it first"
   * would be wrong), one not yet started IllegalStateError.
   */
  private requireStarted(): void {
    this.throwIfClosed();
    if (this.state !== 'STARTED') {
      throw new IllegalStateError(
        this.state,
        `ServiceDiscovery is ${this.state}: start() it first`,
        {
          path: this.path,
        },
      );
    }
  }

  /**
   * Runs `f` with one signal: the caller's, the discovery's close, and the call's deadline (the
   * kit's Deadline.run: its requests end at `timeoutMs` too, and the call then rejects with
   * DiscoveryTimeoutError; ADR 0031).
   */
  private withDeadline<T>(
    operation: DiscoveryOperation,
    options: WaitOptions,
    f: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const timedOut = (ms: number) => new DiscoveryTimeoutError(operation, this.path, ms);
    return Deadline.run(options, timedOut, async (d) => {
      const joined = joinSignals([d.signal, this.closeSignal]);
      try {
        return await f(joined.signal);
      } finally {
        joined.dispose();
      }
    });
  }
}
