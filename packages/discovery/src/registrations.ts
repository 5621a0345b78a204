/**
 * A ServiceDiscovery's registrations (discovery.ts): each instance's node, made and kept by the
 * kit's KeptNode through reconnects and new sessions until it is unregistered or the discovery
 * closes.
 */
import { InvalidArgumentError, type CreateMode, type ZkClient } from '@zk-recipes/core';
import { Deadline, joinSignals, KeptNode, type WaitOptions } from '@zk-recipes/core/recipe';
import { RegistrationTimeoutError, type DiscoveryOperation } from './errors.js';
import { checkNodeName, type ServiceInstance, type ServiceType } from './instance.js';

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

/** A discovery call under its deadline and close (ServiceDiscovery's withDeadline). */
export type WithDeadline = <T>(
  operation: DiscoveryOperation,
  options: WaitOptions,
  f: (signal: AbortSignal | undefined) => Promise<T>,
) => Promise<T>;

/** The registrations by id; the discovery checks its state and the input first. */
export class Registrations<P> {
  private readonly registrations = new Map<string, Registration<P>>();

  constructor(
    private readonly client: ZkClient,
    /** The discovery's close signal. */
    private readonly closeSignal: AbortSignal,
    private readonly servicePath: (name: string) => string,
    private readonly report: (error: unknown) => void,
    private readonly withDeadline: WithDeadline,
  ) {}

  /** Registers `instance` with `data` (see ServiceDiscovery.register). */
  async register(instance: ServiceInstance<P>, data: Buffer, options: WaitOptions): Promise<void> {
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

  /** Rewrites a registered instance's data (see ServiceDiscovery.update). */
  async update(instance: ServiceInstance<P>, data: Buffer, options: WaitOptions): Promise<void> {
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

  /** Removes a registered instance's node (see ServiceDiscovery.unregister). */
  async unregister(id: string, options: WaitOptions): Promise<void> {
    const known = this.registrations.get(id);
    if (!known) return;
    this.registrations.delete(id);
    known.node.removeOnClose = true;
    // The node's close keeps the release bound whatever the connection; the options are
    // accepted as on every call.
    await this.withDeadline('unregister', options, () => known.node.close());
  }

  /** The instances registered (not yet unregistered). */
  instances(): ServiceInstance<P>[] {
    return [...this.registrations.values()].map((r) => r.instance);
  }

  /** Stops keeping every registration: their nodes, for the discovery's close to close. */
  drain(): KeptNode[] {
    const nodes = [...this.registrations.values()].map((r) => r.node);
    this.registrations.clear();
    return nodes;
  }
}

/** Checks an instance given to register() or update(), before anything is sent. */
export function checkInstance<P>(instance: ServiceInstance<P>): ServiceInstance<P> {
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
