/**
 * A semaphore: our Semaphore and SemaphoreMutex, Curator's InterProcessSemaphoreV2 and
 * InterProcessSemaphoreMutex (a semaphore of one lease). `<path>/leases/_c_<uuid>-lease-<seq>`
 * (one node per lease) and `<path>/locks/_c_<uuid>-lock-<seq>` (the inner mutex acquirers take
 * in turn). maxLeases is not stored in ZooKeeper: without `--max-leases` the tool says so.
 */
import { childPath } from '@zk-recipes/core/recipe';
import { LOCK_NAME } from '@zk-recipes/lock';
import { lineAt, lockNodeJson, lockNodeLine } from './line.js';
import type { Layout } from './types.js';

const LEASE_NAME = 'lease-';

export const semaphoreLayout: Layout = {
  kind: 'semaphore',
  async recognize(ctx) {
    if (!ctx.childNames.includes('leases') && !ctx.childNames.includes('locks')) return undefined;
    const leases = await lineAt(ctx, [LEASE_NAME], childPath(ctx.path, 'leases'));
    const acquiring = await lineAt(ctx, [LOCK_NAME], childPath(ctx.path, 'locks'));
    const max = ctx.hints.maxLeases;
    const holds = (i: number) => (max === undefined ? null : i < max);
    const title =
      max === 1
        ? 'semaphore mutex (SemaphoreMutex; Curator InterProcessSemaphoreMutex)'
        : 'semaphore (Semaphore; Curator InterProcessSemaphoreV2)';
    const held = max === undefined ? leases : leases.slice(0, max);
    return {
      kind: 'semaphore',
      title,
      details: {
        maxLeases: max ?? null,
        leases: leases.map((n, i) => ({ ...lockNodeJson(n, ctx.now), holds: holds(i) })),
        acquiring: acquiring.map((n) => lockNodeJson(n, ctx.now)),
      },
      lines: [
        `leases     ${held.length} of ${max ?? '? (max not stored in ZooKeeper: --max-leases)'}`,
        ...leases.map((n, i) => lockNodeLine(holds(i) === false ? `waiting` : 'lease', n, ctx.now)),
        ...acquiring.map((n, i) => lockNodeLine(i === 0 ? 'acquiring' : `queued ${i}`, n, ctx.now)),
      ],
      notes:
        max === undefined
          ? [
              'maxLeases is not stored in ZooKeeper: pass --max-leases to see who waits (a semaphore mutex has 1)',
            ]
          : [],
    };
  },
};
