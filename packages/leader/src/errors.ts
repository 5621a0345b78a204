import { stacklessError, ZkRecipesError } from '@zk-recipes/core';

/** Why a leadership ended: the reason its signal aborts with. */
export type LeadershipEnd =
  'connection' | 'node' | 'closed' | 'resigned' | 'interrupted' | 'finished';

/**
 * The reason a leadership signal aborts with. `why`: `connection` (the error policy says the
 * session may be lost), `node` (the leader's node is gone), `closed`, `resigned`,
 * `interrupted` (LeaderSelector.interruptLeadership()), `finished` (takeLeadership returned).
 */
export class LeadershipLostError extends ZkRecipesError {
  override name = 'LeadershipLostError';
  constructor(
    readonly why: LeadershipEnd,
    path: string,
  ) {
    super('LEADERSHIP_LOST', `leadership ended (${why})`, { path });
  }
}

/**
 * A leadership's signal: aborts with a LeadershipLostError naming the first of `sources` to
 * abort (or `end(why)`), so a leader can tell a lost connection from an interrupt.
 */
export function leadershipSignal(
  path: string,
  sources: readonly (readonly [AbortSignal, LeadershipEnd])[],
): { signal: AbortSignal; end: (why: LeadershipEnd) => void } {
  const c = new AbortController();
  const end = (why: LeadershipEnd) => {
    if (c.signal.aborted) return;
    for (const [s, h] of handlers) s.removeEventListener('abort', h);
    c.abort(stacklessError(() => new LeadershipLostError(why, path)));
  };
  const handlers = sources.map(([s, why]) => [s, () => end(why)] as const);
  for (const [s, h] of handlers) s.addEventListener('abort', h, { once: true });
  const already = sources.find(([s]) => s.aborted);
  if (already) end(already[1]);
  return { signal: c.signal, end };
}
