/**
 * A mutex: our Mutex, Curator's InterProcessMutex. `_c_<uuid>-lock-<seq>` ephemeral-sequential
 * nodes; the first in line holds, each other waits on the one before it. LeaderSelector uses
 * the same nodes (./selector.ts): both are reported, the tree cannot tell them apart.
 */
import { LOCK_NAME } from '@zk-recipes/lock';
import { lineAt, lockNodeJson, lockNodeLine } from './line.js';
import type { Layout } from './types.js';

export const mutexLayout: Layout = {
  kind: 'mutex',
  async recognize(ctx) {
    const line = await lineAt(ctx, [LOCK_NAME]);
    if (line.length === 0) return undefined;
    const [holder, ...waiters] = line;
    return {
      kind: 'mutex',
      title: 'mutex (Mutex; Curator InterProcessMutex)',
      details: {
        holder: lockNodeJson(holder!, ctx.now),
        waiters: waiters.map((w) => lockNodeJson(w, ctx.now)),
      },
      lines: [
        lockNodeLine('holder', holder!, ctx.now),
        ...waiters.map((w, i) => lockNodeLine(`waiter ${i + 1}`, w, ctx.now)),
        ...(waiters.length === 0 ? ['waiters    none'] : []),
      ],
    };
  },
};
