/**
 * A leader selector: our LeaderSelector, Curator's. A mutex on the path (`_c_<uuid>-lock-<seq>`)
 * whose node data is the participant id; the holder leads. The same nodes as a mutex
 * (./mutex.ts): both are reported.
 */
import { SELECTOR_LOCK_NAME } from '@zk-recipes/leader';
import { lineAt, participantJson, participantLine } from './line.js';
import type { Layout } from './types.js';

export const selectorLayout: Layout = {
  kind: 'leader-selector',
  async recognize(ctx) {
    const line = await lineAt(ctx, [SELECTOR_LOCK_NAME]);
    if (line.length === 0) return undefined;
    return {
      kind: 'leader-selector',
      title: 'leader selector (LeaderSelector; Curator LeaderSelector)',
      details: {
        leader: participantJson(line[0]!, ctx.now, true),
        participants: line.map((n, i) => participantJson(n, ctx.now, i === 0)),
      },
      lines: line.map((n, i) => participantLine(i === 0 ? 'leader' : `participant`, n, ctx.now)),
    };
  },
};
