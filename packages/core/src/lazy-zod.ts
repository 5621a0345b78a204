/**
 * zod, loaded the first time an option is checked rather than when the package is imported:
 * zod is most of the package's import time (bench/import-time.mjs, bench/RESULTS.md), and a
 * program that imports the package need not have made a client yet.
 */
import { createRequire } from 'node:module';
import type { z } from 'zod';

/** zod's `z` namespace. */
export type Zod = typeof z;

let loaded: Zod | undefined;

/** zod, loaded synchronously on first use (its CommonJS entry; zod ships both). */
export function zod(): Zod {
  return (loaded ??= (createRequire(import.meta.url)('zod') as { z: Zod }).z);
}

/** A schema (or anything else made with zod) built on first use and kept. */
export function lazy<T>(build: (z: Zod) => T): () => T {
  let value: T | undefined;
  return () => (value ??= build(zod()));
}
