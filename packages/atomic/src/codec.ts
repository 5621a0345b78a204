import { InvalidArgumentError } from '@zk-recipes/core';
import { AtomicValueFormatError } from './errors.js';

/** How a counter's value is stored: Curator's layouts (int64 or int32, big-endian). */
export interface Codec<T> {
  readonly bytes: number;
  readonly zero: T;
  decode(path: string, data: Buffer): T;
  encode(value: T): Buffer;
  /** Java's wrapping addition of the width. */
  add(a: T, b: T): T;
  negate(a: T): T;
  /** The caller's argument as a value, or a typed error (nothing is sent). */
  check(field: string, value: unknown): T;
}

/**
 * The byte widths of a counter's value, big-endian: `int32` (SharedCount, AtomicInteger) and
 * `int64` (AtomicLong). Exported for tools that read counters (the zk-recipes CLI), so a
 * layout change breaks their build.
 */
export const COUNTER_BYTES = { int32: 4, int64: 8 } as const;

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

/** DistributedAtomicLong: int64 big-endian; absent or empty is 0. */
export const LONG: Codec<bigint> = {
  bytes: COUNTER_BYTES.int64,
  zero: 0n,
  decode(path, data) {
    if (data.length === 0) return 0n;
    if (data.length !== 8) throw new AtomicValueFormatError(path, data.length);
    return data.readBigInt64BE(0);
  },
  encode(value) {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(value, 0);
    return b;
  },
  add: (a, b) => BigInt.asIntN(64, a + b),
  negate: (a) => BigInt.asIntN(64, -a),
  check(field, value) {
    const v =
      typeof value === 'number' && Number.isSafeInteger(value)
        ? BigInt(value)
        : typeof value === 'bigint'
          ? value
          : undefined;
    if (v === undefined || v < MIN_LONG || v > MAX_LONG) {
      throw new InvalidArgumentError(
        field,
        `${field} must be a 64-bit integer (bigint or safe integer)`,
      );
    }
    return v;
  },
};

/** DistributedAtomicInteger (and SharedCount's bytes): int32 big-endian; absent or empty is 0. */
export const INT: Codec<number> = {
  bytes: COUNTER_BYTES.int32,
  zero: 0,
  decode(path, data) {
    if (data.length === 0) return 0;
    if (data.length !== 4) throw new AtomicValueFormatError(path, data.length);
    return data.readInt32BE(0);
  },
  encode(value) {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(value, 0);
    return b;
  },
  add: (a, b) => (a + b) | 0,
  negate: (a) => -a | 0,
  check(field, value) {
    if (!(
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= -(2 ** 31) &&
      value < 2 ** 31
    )) {
      throw new InvalidArgumentError(field, `${field} must be a 32-bit integer`);
    }
    return value;
  },
};
