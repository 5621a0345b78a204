/**
 * curator-x-discovery's service instance JSON (JsonInstanceSerializer): `name`, `id`,
 * `address`, `port`, `sslPort`, `payload`, `registrationTimeUTC`, `serviceType`, `uriSpec`, and
 * `enabled` outside Curator's compatible mode. Absent values are `null`. Unknown fields are
 * ignored, as Curator's reader ignores them.
 */
import { SERVICE_TYPES } from '@zk-recipes/discovery';

/** A service instance as a tool shows it. */
export interface ServiceInstanceView {
  name: string;
  id: string;
  address: string | null;
  port: number | null;
  sslPort: number | null;
  registrationTimeUTC: number | null;
  serviceType: string | null;
  /** The URI its uriSpec renders to, when it has one. */
  uri: string | null;
  payload: unknown;
  enabled: boolean | null;
}

// From @zk-recipes/discovery: a new service type there breaks this build, not its users.
const KNOWN_TYPES = new Set<string>(SERVICE_TYPES);

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

interface UriPart {
  value: string;
  variable: boolean;
}

/** Renders Curator's UriSpec parts (`{port}` stays the plain port under https, as Curator's). */
function renderUri(spec: unknown, i: Omit<ServiceInstanceView, 'uri'>): string | null {
  const parts = (spec as { parts?: unknown } | null)?.parts;
  if (!Array.isArray(parts)) return null;
  const vars: Record<string, string | number | null> = {
    scheme: i.sslPort !== null ? 'https' : 'http',
    name: i.name,
    id: i.id,
    address: i.address,
    port: i.port,
    'ssl-port': i.sslPort,
    'registration-time-utc': i.registrationTimeUTC,
    'service-type': i.serviceType?.toLowerCase() ?? null,
  };
  let out = '';
  for (const p of parts as UriPart[]) {
    if (typeof p?.value !== 'string') return null;
    if (!p.variable) out += p.value;
    else out += String(vars[p.value] ?? `{${p.value}}`);
  }
  return out;
}

/**
 * The instance in `data`, or undefined when it is not one: JSON whose object has a string
 * `name` and `id` and Curator's registration fields (`registrationTimeUTC` and a known
 * `serviceType`, or `address`).
 */
export function decodeInstance(data: Buffer): ServiceInstanceView | undefined {
  if (data.length === 0 || data[0] !== 0x7b) return undefined; // '{'
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  if (typeof o.name !== 'string' || typeof o.id !== 'string') return undefined;
  if (!('registrationTimeUTC' in o) || !('serviceType' in o)) return undefined;
  if (o.serviceType !== null && !KNOWN_TYPES.has(o.serviceType as string)) return undefined;
  const base = {
    name: o.name,
    id: o.id,
    address: typeof o.address === 'string' ? o.address : null,
    port: numberOrNull(o.port),
    sslPort: numberOrNull(o.sslPort),
    registrationTimeUTC: numberOrNull(o.registrationTimeUTC),
    serviceType: typeof o.serviceType === 'string' ? o.serviceType : null,
    payload: o.payload ?? null,
    enabled: typeof o.enabled === 'boolean' ? o.enabled : null,
  };
  return { ...base, uri: renderUri(o.uriSpec, base) };
}
