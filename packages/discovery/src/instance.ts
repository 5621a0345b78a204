/** A service instance as Curator's ServiceInstance describes it, with Curator's defaults. */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { InvalidArgumentError } from '@zk-recipes/core';
import { parseUriSpec, type UriSpec } from './uri-spec.js';

/**
 * How an instance's node lives (Curator's ServiceType): `DYNAMIC` an ephemeral node named by
 * the id, `DYNAMIC_SEQUENTIAL` an ephemeral sequential node (the id plus ZooKeeper's 10-digit
 * suffix), `STATIC` a persistent node removed on close, `PERMANENT` a persistent node that
 * outlives close (Curator removes it on close too: CURATOR-94).
 */
export type ServiceType = 'DYNAMIC' | 'DYNAMIC_SEQUENTIAL' | 'STATIC' | 'PERMANENT';

/** Every {@link ServiceType}, as the instance JSON's `serviceType` spells it. */
export const SERVICE_TYPES: readonly ServiceType[] = [
  'DYNAMIC',
  'DYNAMIC_SEQUENTIAL',
  'STATIC',
  'PERMANENT',
];

/** One instance of a service: the fields Curator's JSON carries, in its order. */
export interface ServiceInstance<P> {
  readonly name: string;
  readonly id: string;
  /** Host name or address; `null` when the writer gave none. */
  readonly address: string | null;
  readonly port: number | null;
  readonly sslPort: number | null;
  readonly payload: P | null;
  /** Epoch milliseconds. */
  readonly registrationTimeUTC: number;
  readonly serviceType: ServiceType;
  readonly uriSpec: UriSpec | null;
  /** Curator's `enabled` (written only when asked for: {@link InstanceSerializerOptions}). */
  readonly enabled: boolean;
}

/** What {@link serviceInstance} takes: `name` is required, the rest has Curator's defaults. */
export interface ServiceInstanceInit<P> {
  name: string;
  /** Default: a random UUID. */
  id?: string;
  /** Default: this host's first non-internal IPv4 address (127.0.0.1 when it has none). */
  address?: string | null;
  port?: number | null;
  sslPort?: number | null;
  payload?: P | null;
  /** Default: now. */
  registrationTimeUTC?: number;
  /** Default: `DYNAMIC`. */
  serviceType?: ServiceType;
  /** A template such as `{scheme}://{address}:{port}/v1` (see `uri()`), or a parsed one. */
  uriSpec?: string | UriSpec | null;
  /** Default: true. */
  enabled?: boolean;
}

/**
 * A service name or instance id is one node name: not empty, no `/`, not `.` or `..`, no NUL.
 * Checked before anything is sent.
 */
export function checkNodeName(field: 'name' | 'id', value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError(field, `${field} must be a non-empty string`);
  }
  if (value.includes('/') || value.includes('\u0000') || value === '.' || value === '..') {
    throw new InvalidArgumentError(
      field,
      `${field} ${JSON.stringify(value)} is not a node name (no "/", NUL, "." or "..")`,
    );
  }
  return value;
}

function checkPort(field: 'port' | 'sslPort', value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new InvalidArgumentError(field, `${field} must be an integer from 0 to 65535`);
  }
  return value;
}

/** This host's first non-internal IPv4 address (Curator may pick an IPv6 one with a zone id). */
export function defaultAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

/**
 * A complete, checked instance from `init`: an `InvalidArgumentError` names the first bad
 * field (a name or id that is not a node name, a port out of range, an unknown service type, a
 * malformed uriSpec), before anything is sent.
 *
 * @example
 * const me = serviceInstance({ name: 'billing', port: 8080, uriSpec: '{scheme}://{address}:{port}' });
 */
export function serviceInstance<P>(init: ServiceInstanceInit<P>): ServiceInstance<P> {
  if (typeof init !== 'object' || init === null) {
    throw new InvalidArgumentError('instance', 'the instance must be an object');
  }
  const serviceType = init.serviceType ?? 'DYNAMIC';
  if (!SERVICE_TYPES.includes(serviceType)) {
    throw new InvalidArgumentError('serviceType', `unknown serviceType ${String(serviceType)}`);
  }
  const time = init.registrationTimeUTC ?? Date.now();
  if (!Number.isSafeInteger(time)) {
    throw new InvalidArgumentError('registrationTimeUTC', 'registrationTimeUTC must be an integer');
  }
  const address = init.address === undefined ? defaultAddress() : init.address;
  if (address !== null && typeof address !== 'string') {
    throw new InvalidArgumentError('address', 'address must be a string or null');
  }
  if (init.enabled !== undefined && typeof init.enabled !== 'boolean') {
    throw new InvalidArgumentError('enabled', 'enabled must be a boolean');
  }
  const spec = init.uriSpec ?? null;
  return Object.freeze({
    name: checkNodeName('name', init.name),
    id: checkNodeName('id', init.id ?? randomUUID()),
    address,
    port: checkPort('port', init.port),
    sslPort: checkPort('sslPort', init.sslPort),
    payload: init.payload ?? null,
    registrationTimeUTC: time,
    serviceType,
    uriSpec: typeof spec === 'string' ? parseUriSpec(spec) : spec === null ? null : checkSpec(spec),
    enabled: init.enabled ?? true,
  });
}

function checkSpec(spec: UriSpec): UriSpec {
  const parts = (spec as { parts?: unknown }).parts;
  const ok =
    Array.isArray(parts) &&
    parts.every((p: unknown) => {
      const part = p as { value?: unknown; variable?: unknown } | null;
      return typeof part?.value === 'string' && typeof part.variable === 'boolean';
    });
  if (!ok) throw new InvalidArgumentError('uriSpec', 'uriSpec must be a template or { parts }');
  return Object.freeze({
    parts: Object.freeze(
      (parts as UriSpec['parts']).map((p) =>
        Object.freeze({ value: p.value, variable: p.variable }),
      ),
    ),
  });
}
