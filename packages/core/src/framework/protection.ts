/**
 * Curator's protection mode (docs/protocol.md, "Protection prefix"): a node's name gets
 * `_c_<uuid>-` so that after a connection loss the create's node can be found, and told apart
 * from a stale one, instead of being created twice (docs/failure-modes.md, 1: lost create
 * reply). Paths here are server paths without the chroot, as in ./nodes.ts.
 */
import * as ops from '../driver/ops.js';
import type { RawSession } from '../driver/raw-session.js';
import { NoNodeError } from '../errors.js';
import { childPath } from '../paths.js';
import type { CreateMode, Stat } from '../types.js';
import type { Background } from './background.js';
import { traced } from './observability.js';

/** Curator's protection prefix: `_c_` + a lower-case UUID + `-`. */
export const PROTECTED_PREFIX = '_c_';
const PROTECTED_LENGTH = 40;

/** A protected node's name: `_c_<uuid>-<name>` (Curator's; `name` may be empty). */
export function protectedName(uuid: string, name: string): string {
  return `${PROTECTED_PREFIX}${uuid}-${name}`;
}

/** Whether a node name carries a protection prefix. */
export function isProtectedName(name: string): boolean {
  return name.length > PROTECTED_LENGTH && name.startsWith(PROTECTED_PREFIX) && name[39] === '-';
}

/** Where a protected create of `path` goes: `_c_<id>-` before the name (or the bare prefix). */
export function protectedPath(path: string, id: string, mode: CreateMode): string {
  const i = path.lastIndexOf('/');
  const parent = i === 0 ? '/' : path.slice(0, i);
  const bare = mode.includes('SEQUENTIAL') && path.endsWith('/');
  return childPath(parent, protectedName(id, bare ? '' : path.slice(i + 1)));
}

/** Every child of `parent` whose name starts with `prefix`, as full paths. */
async function findProtected(raw: RawSession, parent: string, prefix: string): Promise<string[]> {
  try {
    const { children } = await ops.getChildren(raw, parent, undefined);
    return children.filter((c) => c.startsWith(prefix)).map((c) => childPath(parent, c));
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
}

/**
 * The node an earlier attempt of a protected create made, if any. Every node with the prefix
 * is looked at, not just the first: one may be an ephemeral of an older session (about to
 * vanish: taking it would make a holder of a dying node, CURATOR-604), which is deleted, while
 * another is the one this session made.
 */
export async function recoverProtected(
  raw: RawSession,
  parent: string,
  prefix: string,
  ephemeral: boolean,
): Promise<{ path: string; stat: Stat } | undefined> {
  let mine: { path: string; stat: Stat } | undefined;
  for (const found of await findProtected(raw, parent, prefix)) {
    const stat = await ops.exists(raw, found, undefined);
    if (stat === null) continue;
    if (ephemeral && stat.ephemeralOwner !== raw.sessionId) {
      await ops.remove(raw, found, -1).catch((e: unknown) => {
        if (!(e instanceof NoNodeError)) throw e;
      });
    } else {
      mine ??= { path: found, stat };
    }
  }
  return mine;
}

/** A protected create was given up: a background job deletes whatever it may have left. */
export function abandonProtected(
  background: Background,
  raw: () => RawSession,
  parent: string,
  prefix: string,
): void {
  abandonCreate(background, raw, parent, (name) => name.startsWith(prefix));
}

/**
 * A create whose outcome is unknown (its reply lost, or its caller gave up) was abandoned: a
 * background job deletes every child of `parent` whose name `matches` (the protection prefix,
 * or a sequential node's name and counter) and, with `owner`, only those that are ephemerals of
 * that session (a name alone may be another process's node). With `owner`, the job is moot
 * once no child is that session's; run on any later session, since a session this client
 * declared LOST may live on a while on the server (failure-modes.md, scenario 5).
 */
export function abandonCreate(
  background: Background,
  raw: () => RawSession,
  parent: string,
  matches: (name: string) => boolean,
  owner?: bigint,
): void {
  background.add({
    describe: `delete abandoned create under ${parent}`,
    run: async () => {
      const session = raw();
      const list = async () => {
        try {
          const { children } = await ops.getChildren(session, parent, undefined);
          return children.filter(matches).map((c) => childPath(parent, c));
        } catch (e) {
          if (e instanceof NoNodeError) return [];
          throw e;
        }
      };
      for (const found of await traced('getChildren', parent, list)) {
        let version = -1;
        if (owner !== undefined) {
          const stat = await traced('exists', found, () => ops.exists(session, found, undefined));
          if (stat === null || stat.ephemeralOwner !== owner) continue;
          version = stat.version;
        }
        await traced('delete', found, () => ops.remove(session, found, version)).catch(
          (err: unknown) => {
            if (!(err instanceof NoNodeError)) throw err;
          },
        );
      }
    },
  });
}
