/** The options and events of a ServiceDiscovery (discovery.ts). */
import type { ZodLikeSchema } from '@zk-recipes/core';
import type { InstanceSerializer, PayloadClass } from './serializer.js';

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
