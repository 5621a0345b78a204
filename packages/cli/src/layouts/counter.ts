/**
 * A shared counter: 4 bytes are a big-endian int32 (SharedCount, DistributedAtomicInteger, ours
 * alike), 8 bytes a big-endian int64 (DistributedAtomicLong). Updated by compare-and-set on the
 * node version, so the version counts the updates.
 */
import { COUNTER_BYTES } from '@zk-recipes/atomic';
import { isWitnessName } from '@zk-recipes/core/recipe';
import { isPrintable } from '../decode/index.js';
import type { Layout } from './types.js';

export const counterLayout: Layout = {
  kind: 'counter',
  async recognize(ctx) {
    const n = ctx.data.length;
    // A write of ours leaves a witness child for a moment (core's update kit): not data.
    const witnesses = ctx.childNames.filter(isWitnessName).length;
    if (
      ctx.childNames.length > witnesses ||
      (n !== COUNTER_BYTES.int32 && n !== COUNTER_BYTES.int64)
    )
      return undefined;
    const int32 = n === COUNTER_BYTES.int32;
    const value = int32 ? String(ctx.data.readInt32BE(0)) : ctx.data.readBigInt64BE(0).toString();
    const modified = new Date(ctx.stat.mtime).toISOString();
    return {
      kind: 'counter',
      title: int32
        ? 'shared counter, int32 (SharedCount, DistributedAtomicInteger)'
        : 'shared counter, int64 (DistributedAtomicLong)',
      details: {
        type: int32 ? 'int32' : 'int64',
        value,
        version: ctx.stat.version,
        modifiedAt: modified,
      },
      lines: [`value      ${value}`, `version    ${ctx.stat.version}`, `modified   ${modified}`],
      notes: [
        ...(isPrintable(ctx.data)
          ? [`the ${n} bytes are also the text ${JSON.stringify(ctx.data.toString('utf8'))}`]
          : []),
        ...(witnesses > 0
          ? [`${witnesses} write witness child(ren) of a recent update (zkr-witness-...): not data`]
          : []),
      ],
    };
  },
};
