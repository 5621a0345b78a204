/**
 * A ServiceDiscovery's reads (discovery.ts): the services' names, and instances read from
 * their nodes, with any node that is no instance reported and left out.
 */
import { NoNodeError, SerializationError, type ZkClient } from '@zk-recipes/core';
import type { ServiceInstance } from './instance.js';
import type { InstanceSerializer } from './serializer.js';

export class InstanceQueries<P> {
  constructor(
    private readonly client: ZkClient,
    /** The discovery's base path. */
    private readonly path: string,
    private readonly serializer: InstanceSerializer<P>,
    private readonly report: (error: unknown) => void,
  ) {}

  /** The names under the base path, sorted; none when it does not exist. */
  async names(signal: AbortSignal | undefined): Promise<string[]> {
    try {
      return (await this.client.getChildren(this.path, { signal })).children.sort();
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
  }

  /** Every instance under `parent`, in one pipelined round. */
  async instances(parent: string, signal: AbortSignal | undefined): Promise<ServiceInstance<P>[]> {
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
  }

  /**
   * The instance `id` under `parent`, or undefined: its node, else a `DYNAMIC_SEQUENTIAL` node
   * (the id and a 10-digit suffix) with that id.
   */
  async instance(
    parent: string,
    id: string,
    signal: AbortSignal | undefined,
  ): Promise<ServiceInstance<P> | undefined> {
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
}
