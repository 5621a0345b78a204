// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
export { ServiceDiscovery } from './discovery.js';
export type { ServiceDiscoveryEvents, ServiceDiscoveryOptions } from './discovery-types.js';
export {
  SERVICE_TYPES,
  serviceInstance,
  type ServiceInstance,
  type ServiceInstanceInit,
  type ServiceType,
} from './instance.js';
export {
  instanceSerializer,
  type InstanceSerializer,
  type InstanceSerializerOptions,
  type PayloadClass,
} from './serializer.js';
export { parseUriSpec, uri, type UriSpec, type UriSpecPart, type UriValue } from './uri-spec.js';
export { ServiceCache, type ServiceCacheChange, type ServiceCacheEvents } from './cache.js';
export {
  ServiceProvider,
  type DownInstancePolicy,
  type InstanceFilter,
  type ProviderStrategy,
  type ServiceProviderOptions,
} from './provider.js';
export {
  DiscoveryTimeoutError,
  RegistrationTimeoutError,
  type DiscoveryOperation,
} from './errors.js';
/** Another live session's node under a registration's id (register() rejects with it). */
export { NodeConflictError } from '@zk-recipes/core/recipe';
