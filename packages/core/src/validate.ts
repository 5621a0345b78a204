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

/** A signal given from JavaScript may be anything: refused before a listener is added to it. */
export function checkSignal(signal: unknown): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('signal', 'signal must be an AbortSignal');
  }
}

/**
 * Checks the options every call takes ({ requestTimeoutMs, signal, retryPolicy }) before anything is sent. Written
 * by hand, not with zod: it runs on every request (bench/core-vs-raw.mjs).
 */
export function checkCallOptions(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'options must be an object');
  }
  const o = options as {
    requestTimeoutMs?: unknown;
    timeoutMs?: unknown;
    signal?: unknown;
    retryPolicy?: unknown;
  };
  if (o.requestTimeoutMs !== undefined) {
    const t = o.requestTimeoutMs;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 2 ** 31 - 1) {
      throw new InvalidArgumentError(
        'requestTimeoutMs',
        'requestTimeoutMs must be a number of milliseconds > 0',
      );
    }
  }
  if (o.timeoutMs !== undefined) {
    // A request has no wait of its own to bound: silently ignoring a deadline is a surprise.
    throw new InvalidArgumentError(
      'timeoutMs',
      "a request's reply deadline is requestTimeoutMs; timeoutMs bounds a recipe's wait",
    );
  }
  checkSignal(o.signal);
  const r = o.retryPolicy as { kind?: unknown } | undefined;
  if (r !== undefined && (typeof r !== 'object' || r === null || typeof r.kind !== 'string')) {
    throw new InvalidArgumentError(
      'retryPolicy',
      'retryPolicy must be a retry policy (noRetry, ...)',
    );
  }
}
