/**
 * A read-write lock: our ReadWriteLock, Curator's InterProcessReadWriteLock. Writers
 * `_c_<uuid>-__WRIT__<seq>` and readers `_c_<uuid>-__READ__<seq>` in one line: a writer holds
 * when it is first; a reader holds when no writer is before it.
 */
import { READ_LOCK_NAME, WRITE_LOCK_NAME } from '@zk-recipes/lock';
import { lineAt, lockNodeJson, lockNodeLine } from './line.js';
import type { Layout } from './types.js';

export const readWriteLockLayout: Layout = {
  kind: 'read-write-lock',
  async recognize(ctx) {
    const line = await lineAt(ctx, [READ_LOCK_NAME, WRITE_LOCK_NAME]);
    if (line.length === 0) return undefined;
    const isWriter = (i: number) => line[i]!.nodePath.includes(WRITE_LOCK_NAME);
    const firstWriter = line.findIndex((_, i) => isWriter(i));
    const holds = (i: number) => (isWriter(i) ? i === 0 : firstWriter < 0 || i < firstWriter);
    const nodes = line.map((n, i) => ({ n, i, side: isWriter(i) ? 'write' : 'read' }));
    const json = (x: (typeof nodes)[number]) => ({ ...lockNodeJson(x.n, ctx.now), side: x.side });
    const held = nodes.filter((x) => holds(x.i));
    const waiting = nodes.filter((x) => !holds(x.i));
    return {
      kind: 'read-write-lock',
      title: 'read-write lock (ReadWriteLock; Curator InterProcessReadWriteLock)',
      details: {
        writer: held.filter((x) => x.side === 'write').map(json)[0] ?? null,
        readers: held.filter((x) => x.side === 'read').map(json),
        waiters: waiting.map(json),
      },
      lines: [
        ...held.map((x) => lockNodeLine(x.side === 'write' ? 'writer' : 'reader', x.n, ctx.now)),
        ...waiting.map((x, k) => lockNodeLine(`waiter ${k + 1}`, x.n, ctx.now) + ` (${x.side})`),
      ],
      notes: [
        'a holder of the write lock may also take the read lock (a downgrade); such a reader is shown waiting behind its own writer',
      ],
    };
  },
};
