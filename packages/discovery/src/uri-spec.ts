/**
 * Curator's UriSpec: a template such as `{scheme}://{address}:{port}/v1` kept as parts, so a
 * Java reader renders the same URI from our JSON and we render the same URI from its JSON.
 */
import { InvalidArgumentError } from '@zk-recipes/core';
import type { ServiceInstance } from './instance.js';

/** One part of a {@link UriSpec}: literal text, or the name of a variable (`variable: true`). */
export interface UriSpecPart {
  readonly value: string;
  readonly variable: boolean;
}

/** A parsed URI template, in the shape Curator writes it (`{"parts":[...]}`). */
export interface UriSpec {
  readonly parts: readonly UriSpecPart[];
}

/**
 * Parses a template as Curator's UriSpec does: `{name}` is a variable (its name trimmed), the
 * rest literal text. A `{` inside a variable, a `}` outside one, or an unclosed `{` is an
 * `InvalidArgumentError` (Curator throws IllegalStateException).
 */
export function parseUriSpec(template: string): UriSpec {
  if (typeof template !== 'string') {
    throw new InvalidArgumentError('uriSpec', 'uriSpec must be a string');
  }
  const parts: UriSpecPart[] = [];
  let inside = false;
  // Tokens split at the braces, the braces kept (Java's StringTokenizer with "{}", true).
  for (const token of template.split(/([{}])/).filter((t) => t !== '')) {
    if (token === '{') {
      if (inside) throw new InvalidArgumentError('uriSpec', `nested { in ${template}`);
      inside = true;
    } else if (token === '}') {
      if (!inside) throw new InvalidArgumentError('uriSpec', `} without { in ${template}`);
      inside = false;
    } else {
      parts.push(Object.freeze({ value: inside ? token.trim() : token, variable: inside }));
    }
  }
  if (inside) throw new InvalidArgumentError('uriSpec', `unclosed { in ${template}`);
  return Object.freeze({ parts: Object.freeze(parts) });
}

/**
 * The URI of `instance` by its uriSpec (`undefined` without one), rendered as Curator renders
 * it, quirks included, since a Java service renders the same spec: `{scheme}` is `https`
 * whenever `sslPort` is set, yet `{port}` stays the plain port (so `{scheme}://{address}:{port}`
 * names the plain port under https); an absent value renders as nothing; `{service-type}` is in
 * lower case; `{[}` and `{]}` are the escapes for `{` and `}`; another variable takes its value
 * from `variables`, and renders as nothing without one.
 *
 * @example
 * uri(instance); // 'http://10.0.0.2:8080/v1' for '{scheme}://{address}:{port}/v1'
 */
export function uri(
  instance: ServiceInstance<unknown>,
  variables: Readonly<Record<string, UriValue>> = {},
): string | undefined {
  if (!instance.uriSpec) return undefined;
  let out = '';
  for (const { value, variable } of instance.uriSpec.parts) {
    out += variable ? variableValue(instance, value, variables) : value;
  }
  return out;
}

/** A value for a variable of a uriSpec. */
export type UriValue = string | number | boolean | null | undefined;

const text = (v: UriValue): string => (v === null || v === undefined ? '' : String(v));

function variableValue(
  instance: ServiceInstance<unknown>,
  name: string,
  variables: Readonly<Record<string, UriValue>>,
): string {
  switch (name) {
    case 'scheme':
      return instance.sslPort === null ? 'http' : 'https';
    case 'name':
      return instance.name;
    case 'id':
      return instance.id;
    case 'address':
      return text(instance.address);
    case 'port':
      return text(instance.port);
    case 'ssl-port':
      return text(instance.sslPort);
    case 'registration-time-utc':
      return String(instance.registrationTimeUTC);
    case 'service-type':
      return instance.serviceType.toLowerCase();
    case '[':
      return '{';
    case ']':
      return '}';
    default: {
      // Curator renders an unknown variable without a value as nothing (observed).
      return text(Object.hasOwn(variables, name) ? variables[name] : undefined);
    }
  }
}
