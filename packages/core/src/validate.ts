import type { z } from 'zod';
import { InvalidArgumentError } from './errors.js';

/** Parses with zod and turns the first issue into an {@link InvalidArgumentError} naming the field. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : what;
  throw new InvalidArgumentError(field, `invalid ${what}: ${field}: ${issue.message}`, {
    cause: r.error,
  });
}

/**
 * Checks the options every call takes ({ timeoutMs, signal }) before anything is sent. Written
 * by hand, not with zod: it runs on every request (bench/core-vs-raw.mjs).
 */
export function checkCallOptions(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'options must be an object');
  }
  const o = options as { timeoutMs?: unknown; signal?: unknown; retryPolicy?: unknown };
  if (o.timeoutMs !== undefined) {
    const t = o.timeoutMs;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 2 ** 31 - 1) {
      throw new InvalidArgumentError('timeoutMs', 'timeoutMs must be a number of milliseconds > 0');
    }
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('signal', 'signal must be an AbortSignal');
  }
  const r = o.retryPolicy as { kind?: unknown } | undefined;
  if (r !== undefined && (typeof r !== 'object' || r === null || typeof r.kind !== 'string')) {
    throw new InvalidArgumentError(
      'retryPolicy',
      'retryPolicy must be a retry policy (noRetry, ...)',
    );
  }
}
