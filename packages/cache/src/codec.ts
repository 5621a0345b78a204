/**
 * A config value's bytes: UTF-8 JSON, what Java services write with Jackson (or any JSON
 * library) through Curator's setData, checked by the caller's schema both ways.
 */
import { InvalidArgumentError } from '@zk-recipes/core';
import { ConfigInvalidError } from './errors.js';

/**
 * What a config cache needs of a schema: zod's `safeParse` (zod 3 and 4 schemas fit; so does
 * any object with the same method). A schema that transforms or defaults is applied on read;
 * on publish the value is checked by it and the value as given is written.
 */
export interface ConfigSchema<T> {
  /** Checks `data`: the value (parsed, maybe transformed) or the error (a ZodError for zod). */
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** Parses and checks a node's bytes. */
export function decode<T>(path: string, bytes: Buffer, schema: ConfigSchema<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ConfigInvalidError(path, 'json', e);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new ConfigInvalidError(path, 'schema', r.error);
  return r.data;
}

/** Checks a value and gives its bytes; throws ConfigInvalidError before anything is sent. */
export function encode<T>(path: string, value: T, schema: ConfigSchema<T>): Buffer {
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigInvalidError(path, 'schema', r.error);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new ConfigInvalidError(path, 'json', e);
  }
  if (text === undefined) throw new ConfigInvalidError(path, 'json', new TypeError('not JSON'));
  return Buffer.from(text, 'utf8');
}

export function checkSchema(schema: unknown): void {
  if (
    schema === null ||
    typeof schema !== 'object' ||
    typeof (schema as { safeParse?: unknown }).safeParse !== 'function'
  ) {
    throw new InvalidArgumentError(
      'schema',
      'schema must be a zod schema (an object with safeParse)',
    );
  }
}
