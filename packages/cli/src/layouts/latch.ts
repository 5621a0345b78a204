/**
 * A leader latch: our LeaderLatch, Curator's. `_c_<uuid>-latch-<seq>` nodes whose data is the
 * participant id; the first in line leads. Its epoch is the leader's node czxid, as our
 * leader package defines it.
 */
import { LATCH_NAME } from '@zk-recipes/leader';
import { lineAt, participantJson, participantLine } from './line.js';
import type { Layout } from './types.js';

export const latchLayout: Layout = {
  kind: 'leader-latch',
  async recognize(ctx) {
    const line = await lineAt(ctx, [LATCH_NAME]);
    if (line.length === 0) return undefined;
    return {
      kind: 'leader-latch',
      title: 'leader latch (LeaderLatch; Curator LeaderLatch)',
      details: {
        leader: participantJson(line[0]!, ctx.now, true),
        participants: line.map((n, i) => participantJson(n, ctx.now, i === 0)),
      },
      lines: line.map((n, i) => participantLine(i === 0 ? 'leader' : `participant`, n, ctx.now)),
    };
  },
};
