import { LeftoverError } from './errors.js';
import { fourLetterWord, parseWatchesBySession } from './four-letter.js';
import { WireClient, WireError, WireErrorCode } from './wire/wire-client.js';

type Target = string | { connectString: string };
const connectStringOf = (t: Target) => (typeof t === 'string' ? t : t.connectString);

function hostPorts(t: Target): { host: string; port: number }[] {
  return connectStringOf(t)
    .split('/')[0]!
    .split(',')
    .map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
}

/** Throws {@link LeftoverError} listing every node under `path` (the path itself may stay). */
export async function assertNoLeftoverNodes(target: Target, path: string): Promise<void> {
  const c = await WireClient.connect({ connectString: connectStringOf(target) });
  try {
    const left = await c.listTree(path);
    if (left.length > 0) throw new LeftoverError(`nodes left under ${path}`, left);
  } finally {
    await c.closeSession();
  }
}

/** The children of `path` (an empty list when it does not exist), read with a fresh session. */
export async function childrenOf(target: Target, path: string): Promise<string[]> {
  const c = await WireClient.connect({ connectString: connectStringOf(target) });
  try {
    return await c.getChildren(path);
  } catch (e) {
    if (e instanceof WireError && e.code === WireErrorCode.NONODE) return [];
    throw e;
  } finally {
    await c.closeSession();
  }
}

/** Formats a session id the way the four-letter words print it (`0x...`). */
export function sessionIdHex(id: bigint | Buffer): string {
  const n = typeof id === 'bigint' ? id : id.readBigInt64BE(0);
  return `0x${BigInt.asUintN(64, n).toString(16)}`;
}

/**
 * The watches the server(s) hold, from `wchc`, as `session -> paths`. Every member of an
 * ensemble is asked, since a watch lives on the server its session is connected to.
 */
export async function serverWatches(target: Target): Promise<Map<string, string[]>> {
  const all = new Map<string, string[]>();
  for (const { host, port } of hostPorts(target)) {
    let out: string;
    try {
      out = await fourLetterWord(host, port, 'wchc');
    } catch {
      continue; // a server that is down holds no watches
    }
    for (const [s, paths] of parseWatchesBySession(out))
      all.set(s, [...(all.get(s) ?? []), ...paths]);
  }
  return all;
}

/** Which watches `assertNoLeftoverWatches` looks at. */
export interface WatchFilter {
  /** Only this session's watches. */
  sessionId?: bigint | Buffer;
  /** Only watches on this path or below it. */
  under?: string;
}

/** Throws {@link LeftoverError} listing each watch the server still holds that matches. */
export async function assertNoLeftoverWatches(
  target: Target,
  filter: WatchFilter = {},
): Promise<void> {
  const watches = await serverWatches(target);
  const wanted = filter.sessionId === undefined ? undefined : sessionIdHex(filter.sessionId);
  const left: string[] = [];
  for (const [session, paths] of watches) {
    if (wanted !== undefined && session !== wanted) continue;
    for (const p of paths) {
      const under = filter.under;
      if (
        under === undefined ||
        p === under ||
        p.startsWith(under.endsWith('/') ? under : `${under}/`)
      ) {
        left.push(`${session} ${p}`);
      }
    }
  }
  if (left.length > 0) throw new LeftoverError('watches left on the server', left);
}
