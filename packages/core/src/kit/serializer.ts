/**
 * How recipes turn values into node data and back: queue items, discovery instances, shared
 * values and config. Reading never trusts the bytes: a serializer that cannot make a value of
 * them throws {@link SerializationError}, which a recipe reports and skips instead of crashing.
 */
import { InvalidArgumentError, ZkRecipesError } from '../errors.js';

/** Turns values into node data and back. */
export interface Serializer<T> {
  /** The node data for `value`; throws {@link SerializationError} for a value it refuses. */
  serialize(value: T): Buffer;
  /** Throws {@link SerializationError} when the bytes are not a valid value. */
  deserialize(data: Buffer): T;
}

/** Bytes that are not a valid value (or a value that cannot be written); `cause` says why. */
export class SerializationError extends ZkRecipesError {
  override name = 'SerializationError';
  constructor(
    readonly direction: 'serialize' | 'deserialize',
    message: string,
    options?: { cause?: unknown; path?: string },
  ) {
    super('SERIALIZATION', message, options);
  }
}

/** The bytes as they are. */
export const bytesSerializer: Serializer<Buffer> = Object.freeze({
  serialize(value: Buffer): Buffer {
    if (!Buffer.isBuffer(value)) throw new InvalidArgumentError('value', 'value must be a Buffer');
    return value;
  },
  deserialize: (data: Buffer) => data,
});

/** UTF-8 text. Invalid UTF-8 is an error when read, not replaced with U+FFFD. */
export const stringSerializer: Serializer<string> = Object.freeze({
  serialize(value: string): Buffer {
    if (typeof value !== 'string')
      throw new InvalidArgumentError('value', 'value must be a string');
    return Buffer.from(value, 'utf8');
  },
  deserialize(data: Buffer): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch (e) {
      throw new SerializationError('deserialize', 'the data is not valid UTF-8', { cause: e });
    }
  },
});

function parseJson(data: Buffer): unknown {
  const text = stringSerializer.deserialize(data);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SerializationError('deserialize', 'the data is not JSON', { cause: e });
  }
}

function toJson(value: unknown): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new SerializationError('serialize', 'the value cannot be written as JSON', { cause: e });
  }
  if (text === undefined) {
    throw new SerializationError('serialize', 'the value cannot be written as JSON');
  }
  return Buffer.from(text, 'utf8');
}

/** JSON, unchecked: whatever the bytes parse to is typed `T` (prefer {@link zodSerializer}). */
export function jsonSerializer<T = unknown>(): Serializer<T> {
  return Object.freeze({
    serialize: (v: T) => toJson(v),
    deserialize: (d: Buffer) => parseJson(d) as T,
  });
}

/**
 * What {@link zodSerializer} uses of a zod schema (3 or 4): `safeParse`. Written out rather than
 * imported from zod, so that these declarations compile without zod's own, which need
 * `esModuleInterop`.
 */
export interface ZodLikeSchema<T> {
  /** zod's: the parsed value, or the error that says why not. */
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: Error };
}

/**
 * JSON validated by a zod schema both ways: a value that fails is refused before it is sent,
 * and data that fails is a {@link SerializationError} whose `cause` is the ZodError.
 *
 * @example
 * const billing = zodSerializer(z.object({ rate: z.number().positive() }));
 * const { rate } = billing.deserialize(data);
 */
export function zodSerializer<T>(schema: ZodLikeSchema<T>): Serializer<T> {
  if (typeof (schema as { safeParse?: unknown })?.safeParse !== 'function') {
    throw new InvalidArgumentError('schema', 'schema must be a zod schema');
  }
  const check = (value: unknown, direction: 'serialize' | 'deserialize'): T => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const what = direction === 'serialize' ? 'value' : 'data';
    throw new SerializationError(
      direction,
      `the ${what} does not match the schema: ${r.error.message}`,
      {
        cause: r.error,
      },
    );
  };
  return Object.freeze({
    serialize: (value: T) => toJson(check(value, 'serialize')),
    deserialize: (data: Buffer) => check(parseJson(data), 'deserialize'),
  });
}
