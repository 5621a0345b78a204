/**
 * Instance JSON, byte for byte as Curator's JsonInstanceSerializer writes it in its default
 * ("compatible") mode, so Java services on curator-x-discovery and ours read each other's
 * registrations (docs/protocol.md, "Service discovery").
 */
import { SerializationError, type Serializer, type ZodLikeSchema } from '@zk-recipes/core';
import { serviceInstance, type ServiceInstance, type ServiceType } from './instance.js';
import type { UriSpec } from './uri-spec.js';

/**
 * The Java class named in a payload's type information: a class name, or none (`undefined`:
 * the payload is written as it is).
 */
export type PayloadClass = string | false | ((payload: unknown) => string | undefined);

/** Options of {@link instanceSerializer}. */
export interface InstanceSerializerOptions<P> {
  /** A zod schema the payload must match, written and read (default: any JSON value). */
  payload?: ZodLikeSchema<P>;
  /**
   * The `"@class"` written into object payloads (Curator types its payload field with Jackson's
   * class-name type information: a Java reader whose payload is a class of its own needs that
   * class's name here, or it fails with ClassCastException). Default: what Jackson writes for
   * a value typed `Object`: `java.util.LinkedHashMap` for objects, the wrapper
   * `["java.util.ArrayList", [...]]` for arrays, `["java.lang.Long", n]` for integers beyond
   * 32 bits, strings, booleans and other numbers plain. A string names the class of every
   * object payload; `false` writes payloads without type information (readable by Java only
   * with an untyped serializer).
   */
  payloadClass?: PayloadClass;
  /** Append `"enabled"` as Curator's non-compatible mode does (default false: CURATOR-394). */
  writeEnabled?: boolean;
}

/** Turns instances into Curator's JSON and back. */
export type InstanceSerializer<P> = Serializer<ServiceInstance<P>>;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function withoutClass(payload: object): Record<string, unknown> {
  const rest = { ...(payload as Record<string, unknown>) };
  delete rest['@class'];
  return rest;
}

/** Jackson's type information for a value typed `Object`. */
function jacksonClass(payload: unknown): string | undefined {
  if (Array.isArray(payload)) return 'java.util.ArrayList';
  if (typeof payload === 'object' && payload !== null) return 'java.util.LinkedHashMap';
  if (typeof payload === 'number' && Number.isInteger(payload)) {
    return payload < INT32_MIN || payload > INT32_MAX ? 'java.lang.Long' : undefined;
  }
  return undefined;
}

function typed(payload: unknown, option: PayloadClass | undefined): unknown {
  if (payload === null || payload === undefined) return null;
  let cls: string | undefined;
  if (option === undefined) cls = jacksonClass(payload);
  else if (typeof option === 'function') cls = option(payload);
  else if (option !== false && typeof payload === 'object' && !Array.isArray(payload)) cls = option;
  if (cls === undefined) return payload;
  // Objects carry the class as their first property; anything else goes in a wrapper array.
  if (typeof payload === 'object' && !Array.isArray(payload)) {
    return { '@class': cls, ...withoutClass(payload) };
  }
  return [cls, payload];
}

/** Jackson's type information taken off: `["java.lang.Long", 42]` is 42, `"@class"` dropped. */
function untyped(payload: unknown): unknown {
  if (
    Array.isArray(payload) &&
    payload.length === 2 &&
    typeof payload[0] === 'string' &&
    /^[\w$]+(\.[\w$]+)+$/.test(payload[0])
  ) {
    return payload[1];
  }
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    return withoutClass(payload);
  }
  return payload;
}

const fail = (direction: 'serialize' | 'deserialize', message: string, cause?: unknown) =>
  new SerializationError(direction, message, cause === undefined ? undefined : { cause });

function checkPayload<P>(
  schema: ZodLikeSchema<P> | undefined,
  value: unknown,
  direction: 'serialize' | 'deserialize',
): P | null {
  if (value === null || value === undefined || !schema) return (value ?? null) as P | null;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw fail(direction, `the payload does not match the schema: ${r.error.message}`, r.error);
}

const nullable = <T>(v: unknown, is: (v: unknown) => v is T): T | null =>
  v === null || v === undefined ? null : is(v) ? v : (undefined as never);

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';

function readField<T>(
  json: Record<string, unknown>,
  field: string,
  is: (v: unknown) => v is T,
): T | null {
  const v = nullable(json[field], is);
  if (v === undefined) throw fail('deserialize', `the instance's ${field} has the wrong type`);
  return v;
}

/**
 * Curator's instance JSON: the nine fields in its order (`name`, `id`, `address`, `port`,
 * `sslPort`, `payload`, `registrationTimeUTC`, `serviceType`, `uriSpec`), `null` for absent
 * values, `"enabled"` only when asked. Reading is as lenient as Jackson is configured in
 * Curator: unknown fields ignored, missing ones absent, `enabled: false` honoured, type
 * information on the payload optional. Data that is no instance (or whose payload fails the
 * schema) is a `SerializationError`: a reader reports and skips that node.
 *
 * @example
 * const serializer = instanceSerializer({ payload: z.object({ weight: z.number() }), payloadClass: 'com.example.Details' });
 */
export function instanceSerializer<P = unknown>(
  options: InstanceSerializerOptions<P> = {},
): InstanceSerializer<P> {
  const { payload: schema, payloadClass, writeEnabled = false } = options;
  return Object.freeze({
    serialize(instance: ServiceInstance<P>): Buffer {
      const payload = checkPayload(schema, instance.payload, 'serialize');
      const json: Record<string, unknown> = {
        name: instance.name,
        id: instance.id,
        address: instance.address,
        port: instance.port,
        sslPort: instance.sslPort,
        payload: typed(payload, payloadClass),
        registrationTimeUTC: instance.registrationTimeUTC,
        serviceType: instance.serviceType,
        uriSpec: instance.uriSpec
          ? { parts: instance.uriSpec.parts.map((p) => ({ value: p.value, variable: p.variable })) }
          : null,
      };
      if (writeEnabled) json.enabled = instance.enabled;
      let text: string;
      try {
        text = JSON.stringify(json);
      } catch (e) {
        throw fail('serialize', 'the payload cannot be written as JSON', e);
      }
      return Buffer.from(text, 'utf8');
    },
    deserialize(data: Buffer): ServiceInstance<P> {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
      } catch (e) {
        throw fail('deserialize', 'the data is not JSON text', e);
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw fail('deserialize', 'the data is not a service instance (no JSON object)');
      }
      const o = json as Record<string, unknown>;
      const name = readField(o, 'name', isString);
      const id = readField(o, 'id', isString);
      if (name === null || id === null) {
        throw fail('deserialize', 'the data is not a service instance (no name or id)');
      }
      const spec = o.uriSpec;
      if (spec !== null && spec !== undefined && typeof spec !== 'object') {
        throw fail('deserialize', "the instance's uriSpec has the wrong type");
      }
      try {
        return serviceInstance<P>({
          name,
          id,
          address: readField(o, 'address', isString),
          port: readField(o, 'port', isNumber),
          sslPort: readField(o, 'sslPort', isNumber),
          payload: checkPayload(schema, untyped(o.payload), 'deserialize'),
          registrationTimeUTC: readField(o, 'registrationTimeUTC', isNumber) ?? 0,
          serviceType: (readField(o, 'serviceType', isString) ?? 'DYNAMIC') as ServiceType,
          uriSpec: (spec ?? null) as UriSpec | null,
          enabled: o.enabled !== false,
        });
      } catch (e) {
        if (e instanceof SerializationError) throw e;
        throw fail('deserialize', `the data is not a valid service instance: ${String(e)}`, e);
      }
    },
  });
}
