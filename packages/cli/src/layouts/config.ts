/**
 * A config node: a leaf whose data is JSON (ConfigCache's layout; any JSON a service
 * publishes). Shown with its version and last modification, which a compare-and-set publisher
 * relies on. A service instance's JSON is left to ./services.ts.
 */
import { decodeInstance, isPrintable } from '../decode/index.js';
import type { Json, Layout } from './types.js';

export const configLayout: Layout = {
  kind: 'config',
  async recognize(ctx) {
    if (ctx.childNames.length > 0 || ctx.data.length === 0 || !isPrintable(ctx.data))
      return undefined;
    if (decodeInstance(ctx.data)) return undefined;
    let value: Json;
    try {
      value = JSON.parse(ctx.data.toString('utf8')) as Json;
    } catch {
      return undefined;
    }
    const modified = new Date(ctx.stat.mtime).toISOString();
    const text = JSON.stringify(value, null, 2).split('\n');
    return {
      kind: 'config',
      title: 'config node (JSON value)',
      details: {
        value,
        version: ctx.stat.version,
        modifiedAt: modified,
        mzxid: ctx.stat.mzxid.toString(),
      },
      lines: [
        `version    ${ctx.stat.version}`,
        `modified   ${modified}`,
        `value      ${text[0]}`,
        ...text.slice(1).map((l) => `           ${l}`),
      ],
    };
  },
};
