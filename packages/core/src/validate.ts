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
