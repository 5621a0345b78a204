/**
 * A create whose reply was lost (a kept node's create, a queue's claim by a create in a multi):
 * did it make the node? A sequential create cannot simply be sent again (a second node), and a
 * claim taken for "not made" would hold its item for as long as the session lives. So the node
 * is looked for: by its path, or for a sequential create by its name and ZooKeeper's 10-digit
 * counter, and by owner (an ephemeral of the session that sent the create).
 *
 * A sync comes first: the reply was lost because the connection (or its server) went, and the
 * server answering now may not have applied that create yet; the session never saw its zxid,
 * so nothing else makes that server catch up. Without it, a create applied a moment later read
 * as "not made" (a queue's lock node then held its item while the session lived; a kept
 * sequential node was made twice).
 */
import type { ZkClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import type { Stat } from '../types.js';
import { sleep } from './abort.js';

/** How often the question is asked again while the connection is down (`untilAnswered`). */
const RECHECK_MS = 100;

/** Options of {@link findLostCreate}. */
export interface LostCreateOptions {
  /** The session the create was sent on: a node of ours is an ephemeral of it. */
  sessionId: bigint;
  /** The create was sequential: the path given is the name the server appended its counter to. */
  sequential?: boolean;
  /** Read each candidate's data too (getData instead of exists). */
  withData?: boolean;
  /**
   * Ask again every 100 ms after a connection loss, while the session `sessionId` lives (the
   * reconnect to another server of an ensemble takes a moment, longer than one request's
   * retries). Default false: asked once, and a connection loss rejects.
   */
  untilAnswered?: boolean;
  signal?: AbortSignal;
}

/** A node found by {@link findLostCreate}. */
export interface LostNode {
  readonly path: string;
  readonly stat: Stat;
  /** Its data, with `withData`. */
  readonly data?: Buffer;
}

/** Whether `child` is a sequential node made from `name`: `name` and a 10-digit counter. */
export function isSequentialOf(name: string, child: string): boolean {
  return (
    child.length === name.length + 10 &&
    child.startsWith(name) &&
    /^\d{10}$/.test(child.slice(name.length))
  );
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * After a create of `path` whose reply was lost: resolves with the node it made, looked for
 * after a sync (see the module's comment), or null when there is none. For a plain create, the
 * node at `path` whoever made it (the caller tells ours from another's by
 * `stat.ephemeralOwner`); for a sequential one, the first (lowest) ephemeral of `sessionId`
 * whose name is `path`'s plus a counter (another session's are not ours to judge). Undefined
 * only with `untilAnswered`, once that session is over or the client closed before an answer
 * (an ephemeral it made went, or goes, with it).
 *
 * @example
 * // A claim's reply was lost: is the lock node ours?
 * const found = await findLostCreate(client, lockNode, { sessionId, untilAnswered: true });
 * const ours = found?.stat.ephemeralOwner === sessionId;
 */
export async function findLostCreate(
  client: ZkClient,
  path: string,
  options: LostCreateOptions,
): Promise<LostNode | null | undefined> {
  const { sessionId, signal } = options;
  const alive = () => {
    const s = client.session;
    return s?.sessionId === sessionId && !s.signal.aborted && !client.closeSignal.aborted;
  };
  if (options.untilAnswered && !alive()) return undefined;
  for (;;) {
    try {
      const found = await (options.sequential ? findSequential : findExact)(client, path, options);
      // Answered on a later session (the client's retries reconnect): about the one asked of,
      // the answer is that it is over.
      return options.untilAnswered && !alive() ? undefined : found;
    } catch (e) {
      if (!options.untilAnswered || signal?.aborted) throw e;
      if (!alive()) return undefined;
      await sleep(RECHECK_MS, signal ?? client.closeSignal).catch(() => undefined);
      if (!alive()) return undefined;
    }
  }
}

async function read(
  client: ZkClient,
  path: string,
  options: { withData?: boolean | undefined; signal?: AbortSignal | undefined },
): Promise<LostNode | null> {
  const o = options.signal ? { signal: options.signal } : {};
  if (!options.withData) {
    const stat = await client.exists(path, o);
    return stat ? { path, stat } : null;
  }
  try {
    return { path, ...(await client.getData(path, o)) };
  } catch (e) {
    if (e instanceof NoNodeError) return null;
    throw e;
  }
}

async function findExact(
  client: ZkClient,
  path: string,
  options: LostCreateOptions,
): Promise<LostNode | null> {
  await client.sync(path, options.signal ? { signal: options.signal } : {});
  return read(client, path, options);
}

async function findSequential(
  client: ZkClient,
  path: string,
  options: LostCreateOptions,
): Promise<LostNode | null> {
  const ours = (owner: bigint) => owner === options.sessionId;
  const [first] = await findSequentialOwned(client, path, ours, { ...options, first: true });
  return first ?? null;
}

/** Options of {@link findSequentialOwned}. */
export interface OwnedSequentialOptions {
  /** Read each candidate's data too (getData instead of exists). */
  withData?: boolean;
  /** Stop at the first (lowest) node found. */
  first?: boolean;
  signal?: AbortSignal;
}

/**
 * The ephemeral sequential nodes made from `path` (its name plus ZooKeeper's 10-digit counter)
 * whose owner `owned` accepts, lowest first, looked for after a sync of the parent (see the
 * module's comment): a sequential create's own node whose reply was lost (one session), or a
 * kept sequential node's nodes left on this client's previous sessions (kit/kept-node-place.ts,
 * ADR 0032). Another owner's nodes are never returned.
 */
export async function findSequentialOwned(
  client: ZkClient,
  path: string,
  owned: (owner: bigint) => boolean,
  options: OwnedSequentialOptions = {},
): Promise<LostNode[]> {
  const parent = parentOf(path);
  const name = path.slice(parent.length + (parent === '/' ? 0 : 1));
  const o = options.signal ? { signal: options.signal } : {};
  let children: string[];
  try {
    await client.sync(parent, o);
    ({ children } = await client.getChildren(parent, o));
  } catch (e) {
    if (e instanceof NoNodeError) return []; // no parent: nothing was made under it
    throw e;
  }
  const found: LostNode[] = [];
  for (const c of children.filter((child) => isSequentialOf(name, child)).sort()) {
    const r = await read(client, `${parent === '/' ? '' : parent}/${c}`, options);
    if (r && owned(r.stat.ephemeralOwner)) {
      found.push(r);
      if (options.first) break;
    }
  }
  return found;
}
