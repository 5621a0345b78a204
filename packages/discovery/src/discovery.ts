/**
 * Curator's ServiceDiscovery: registers this process's instances under `basePath/name/id` and
 * reads everyone's. Each registration is the kit's KeptNode: kept across sessions without churn.
 */
import {
  ClientClosedError,
  IllegalStateError,
  InvalidArgumentError,
  NoNodeError,
  SerializationError,
  validatePath,
  type CreateMode,
  type ZkClient,
  type ZodLikeSchema,
} from '@zk-recipes/core';
import {
  Deadline,
  joinSignals,
  KeptNode,
  Lifecycle,
  type WaitOptions,
} from '@zk-recipes/core/recipe';
import {
  DiscoveryTimeoutError,
  RegistrationTimeoutError,
  type DiscoveryOperation,
} from './errors.js';
import { checkNodeName, type ServiceInstance, type ServiceType } from './instance.js';
import { ServiceCache } from './cache.js';
import { ServiceProvider, type ServiceProviderOptions } from './provider.js';
import { instanceSerializer, type InstanceSerializer, type PayloadClass } from './serializer.js';

/** Options of {@link ServiceDiscovery}. */
export interface ServiceDiscoveryOptions<P> {
  /** The parent of every service's node (Curator's has no default either). */
  basePath: string;
  /** A zod schema each payload must match, written and read. */
  payload?: ZodLikeSchema<P>;
  /** The `"@class"` of object payloads (see {@link instanceSerializer}). */
  payloadClass?: PayloadClass;
  /** The whole serializer instead (`payload` and `payloadClass` are then ignored). */
  serializer?: InstanceSerializer<P>;
}

/** Events of {@link ServiceDiscovery}. */
export type ServiceDiscoveryEvents = {
  /**
   * Something the discovery survived: a node that is no instance (a `SerializationError`
   * with its `path`: left out of the answer), a registration that could not be made again
   * after it went (tried again with backoff), a registration's id taken meanwhile by another
   * session (a NodeConflictError: ours is made once that node goes).
   */
  error: [error: unknown];
};

const MODES: Record<ServiceType, CreateMode> = {
  DYNAMIC: 'EPHEMERAL',
  DYNAMIC_SEQUENTIAL: 'EPHEMERAL_SEQUENTIAL',
  STATIC: 'PERSISTENT',
  PERMANENT: 'PERSISTENT',
};

interface Registration<P> {
  instance: ServiceInstance<P>;
  node: KeptNode;
}

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
  private readonly registrations = new Map<string, Registration<P>>();
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
  }

  protected onStart(): Promise<void> {
    return Promise.resolve();
  }

  protected async onClose(): Promise<void> {
    // PERMANENT instances outlive the discovery (Curator removes them: CURATOR-94): their
    // KeptNodes leave them on close.
    const nodes = [...this.registrations.values()].map((r) => r.node);
    this.registrations.clear();
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
    const known = this.registrations.get(instance.id);
    if (known) {
      if (
        known.instance.name !== instance.name ||
        known.instance.serviceType !== instance.serviceType
      ) {
        throw new InvalidArgumentError(
          'id',
          `id ${instance.id} is registered as another service or type`,
        );
      }
      known.instance = instance;
      await this.withDeadline('register', options, (signal) =>
        known.node.setData(data, { signal }),
      );
      return;
    }
    const node = new KeptNode(this.client, `${this.servicePath(instance.name)}/${instance.id}`, {
      mode: MODES[instance.serviceType],
      data,
      removeOnClose: instance.serviceType !== 'PERMANENT',
    });
    node.on('error', (e) => this.report(e));
    const registration = { instance, node };
    this.registrations.set(instance.id, registration);
    const d = Deadline.of(options);
    const t = d.timeoutMs === undefined ? undefined : AbortSignal.timeout(Math.max(1, d.timeoutMs));
    const joined = joinSignals([d.signal, t, this.closeSignal]);
    try {
      await node.start({ signal: joined.signal });
    } catch (e) {
      // Not registered, and nothing left behind (ADR 0025): a create that may have gone
      // through is deleted by the client's background job once the node is closed.
      if (this.registrations.get(instance.id) === registration) {
        this.registrations.delete(instance.id);
      }
      node.removeOnClose = true;
      await node.close();
      if (t?.aborted && !d.signal?.aborted && !this.closeSignal.aborted) {
        throw new RegistrationTimeoutError(node.path, d.timeoutMs!);
      }
      throw e;
    } finally {
      joined.dispose();
    }
    // Later: the id taken by another session while ours was gone (a new session).
    node.on('conflict', (e) => this.report(e));
  }

  /**
   * Rewrites a registered instance's data (Curator's updateService: one setData, on the node's
   * real path). The instance must be registered, with the same name and service type.
   */
  async update(instance: ServiceInstance<P>, options: WaitOptions = {}): Promise<void> {
    this.requireStarted();
    const data = this.serializer.serialize(checkInstance(instance));
    const known = this.registrations.get(instance.id);
    if (
      !known ||
      known.instance.name !== instance.name ||
      known.instance.serviceType !== instance.serviceType
    ) {
      throw new InvalidArgumentError(
        'id',
        `instance ${instance.id} of ${instance.name} is not registered`,
      );
    }
    known.instance = instance;
    await this.withDeadline('update', options, (signal) => known.node.setData(data, { signal }));
  }

  /**
   * Removes a registered instance's node (PERMANENT ones too: this is the explicit way) and
   * stops keeping it. An id not registered here is nothing to do.
   */
  async unregister(id: string, options: WaitOptions = {}): Promise<void> {
    this.requireStarted();
    checkNodeName('id', id);
    const known = this.registrations.get(id);
    if (!known) return;
    this.registrations.delete(id);
    known.node.removeOnClose = true;
    // The node's close keeps the release bound whatever the connection; the options are
    // accepted as on every call.
    await this.withDeadline('unregister', options, () => known.node.close());
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
    return [...this.registrations.values()].map((r) => r.instance);
  }

  /** The names of the services that have a node under `basePath` (Curator's queryForNames). */
  async names(options: WaitOptions = {}): Promise<string[]> {
    this.requireStarted();
    return this.withDeadline('names', options, async (signal) => {
      try {
        return (await this.client.getChildren(this.path, { signal })).children.sort();
      } catch (e) {
        if (e instanceof NoNodeError) return [];
        throw e;
      }
    });
  }

  /**
   * Every instance of service `name` (Curator's queryForInstances), read in one pipelined
   * round. A node that is no instance (or whose payload fails the schema) is reported on the
   * `error` event and left out.
   */
  async instances(name: string, options: WaitOptions = {}): Promise<ServiceInstance<P>[]> {
    this.requireStarted();
    const parent = this.servicePath(name);
    return this.withDeadline('instances', options, async (signal) => {
      let children: string[];
      try {
        ({ children } = await this.client.getChildren(parent, { signal }));
      } catch (e) {
        if (e instanceof NoNodeError) return [];
        throw e;
      }
      const read = await Promise.all(
        children.sort().map((c) => this.readInstance(`${parent}/${c}`, signal)),
      );
      return read.filter((i): i is ServiceInstance<P> => i !== undefined);
    });
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
    return this.withDeadline('instance', options, async (signal) => {
      const direct = await this.readInstance(`${parent}/${id}`, signal);
      if (direct) return direct;
      let children: string[];
      try {
        ({ children } = await this.client.getChildren(parent, { signal }));
      } catch (e) {
        if (e instanceof NoNodeError) return undefined;
        throw e;
      }
      for (const c of children
        .filter((c) => c.length === id.length + 10 && c.startsWith(id))
        .sort()) {
        const i = await this.readInstance(`${parent}/${c}`, signal);
        if (i?.id === id) return i;
      }
      return undefined;
    });
  }

  private async readInstance(path: string, signal: AbortSignal | undefined) {
    let data: Buffer;
    try {
      ({ data } = await this.client.getData(path, { signal }));
    } catch (e) {
      if (e instanceof NoNodeError) return undefined;
      throw e;
    }
    try {
      return this.serializer.deserialize(data);
    } catch (e) {
      this.report(
        e instanceof SerializationError
          ? new SerializationError('deserialize', e.message, { cause: e.cause, path })
          : e,
      );
      return undefined;
    }
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

function checkInstance<P>(instance: ServiceInstance<P>): ServiceInstance<P> {
  if (typeof instance !== 'object' || instance === null) {
    throw new InvalidArgumentError('instance', 'instance must be made with serviceInstance()');
  }
  checkNodeName('name', instance.name);
  checkNodeName('id', instance.id);
  if (!(instance.serviceType in MODES)) {
    throw new InvalidArgumentError(
      'serviceType',
      `unknown serviceType ${String(instance.serviceType)}`,
    );
  }
  return instance;
}
