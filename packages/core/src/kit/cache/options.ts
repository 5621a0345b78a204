/** The engine's options, checked; and the error of a `ready()` that ran out of time. */
import { InvalidArgumentError, ZkRecipesError } from '../../errors.js';
import type { CacheEngineOptions } from './types.js';

/** A cache's `ready()` ran out of time before the initial load was done. */
export class CacheNotReadyError extends ZkRecipesError {
  override name = 'CacheNotReadyError';
  constructor(
    path: string,
    readonly timeoutMs: number | undefined,
  ) {
    super('CACHE_NOT_READY', `the cache of ${path} was not loaded within ${timeoutMs} ms`, {
      path,
    });
  }
}

export function checkOptions(options: unknown): Required<Omit<CacheEngineOptions, 'maxDepth'>> & {
  maxDepth: number;
} {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('options', 'options must be an object');
  const o = options as CacheEngineOptions;
  const scope = o.scope ?? 'tree';
  if (!['node', 'children', 'tree'].includes(scope))
    throw new InvalidArgumentError('scope', 'scope must be node, children or tree');
  if (o.maxDepth !== undefined) {
    if (scope !== 'tree') throw new InvalidArgumentError('maxDepth', 'maxDepth is for tree only');
    if (!Number.isInteger(o.maxDepth) || o.maxDepth < 0)
      throw new InvalidArgumentError('maxDepth', 'maxDepth must be an integer >= 0');
  }
  const batchSize = o.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000)
    throw new InvalidArgumentError('batchSize', 'batchSize must be an integer from 1 to 100000');
  if (o.keepData !== undefined && typeof o.keepData !== 'boolean')
    throw new InvalidArgumentError('keepData', 'keepData must be a boolean');
  const watchMode = o.watchMode ?? 'auto';
  if (watchMode !== 'auto' && watchMode !== 'perNode')
    throw new InvalidArgumentError('watchMode', 'watchMode must be auto or perNode');
  const maxDepth = scope === 'node' ? 0 : scope === 'children' ? 1 : (o.maxDepth ?? Infinity);
  return { scope, maxDepth, keepData: o.keepData ?? true, batchSize, watchMode };
}
