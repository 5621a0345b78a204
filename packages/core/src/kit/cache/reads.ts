/**
 * The loader's requests on one node (loader.ts): its data (or only its Stat) and its children.
 * In perNode mode (servers without addWatch) each sets a one-shot watch unless the node holds
 * one already (`dataWatched`, `childWatched`); a request that fails takes its mark back.
 */
import { NoNodeError } from '../../errors.js';
import { noRetry } from '../../framework/retry.js';
import type { Stat } from '../../types.js';
import type { LoaderHost } from './loader.js';

export interface Read {
  data: Buffer | undefined;
  stat: Stat;
}

export function callOptions(h: LoaderHost) {
  return { retryPolicy: noRetry, signal: h.closeSignal };
}

/** Reads one node (with a one-shot watch in perNode mode); null when it does not exist. */
export async function readNode(h: LoaderHost, path: string): Promise<Read | null> {
  const perNode = h.mode === 'perNode';
  const arm = perNode && !h.dataWatched.has(path);
  if (arm) h.dataWatched.add(path);
  const watch = arm ? h.onDataWatch : undefined;
  try {
    if (!h.keepData || (perNode && path === h.path && arm)) {
      // exists() leaves its watch on an absent node too: the watched path's creation.
      const stat = await h.client.exists(path, { ...callOptions(h), watch });
      if (!stat) return null;
      if (!h.keepData) return { data: undefined, stat };
      const r = await h.client.getData(path, callOptions(h));
      return r;
    }
    return await h.client.getData(path, { ...callOptions(h), watch });
  } catch (e) {
    if (arm && !(e instanceof NoNodeError && !h.keepData)) h.dataWatched.delete(path);
    if (e instanceof NoNodeError) return null;
    throw e;
  }
}

/** Lists a node's children (with a one-shot watch in perNode mode); null when it is gone. */
export async function listChildren(
  h: LoaderHost,
  path: string,
): Promise<{ children: string[]; stat: Stat } | null> {
  const arm = h.mode === 'perNode' && !h.childWatched.has(path);
  if (arm) h.childWatched.add(path);
  try {
    return await h.client.getChildren(path, {
      ...callOptions(h),
      ...(arm ? { watch: h.onChildWatch } : {}),
    });
  } catch (e) {
    if (arm) h.childWatched.delete(path);
    if (e instanceof NoNodeError) return null;
    throw e;
  }
}
