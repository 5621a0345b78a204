import { InvalidArgumentError } from './errors.js';

/** `//`, or a `.` or `..` component. */
const RELATIVE = /\/\/|\/(\.\.?)(?=\/|$)/;
/** ZooKeeper's forbidden characters, per UTF-16 unit as PathUtils checks them (so emoji too). */
// eslint-disable-next-line no-control-regex
const BAD_CHAR = /[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/;

/**
 * Checks a znode path against ZooKeeper's rules (PathUtils.validatePath) before anything is
 * sent: absolute, no empty, `.` or `..` component, no trailing slash (except on a sequential
 * create, whose name the server completes), no null, control or reserved characters.
 */
export function validatePath(path: unknown, options?: { sequential?: boolean }): string {
  return checkPath(path, !!options?.sequential);
}

function invalidPath(path: unknown, why: string): InvalidArgumentError {
  return new InvalidArgumentError('path', `invalid path ${JSON.stringify(path)}: ${why}`, {
    path: typeof path === 'string' ? path : undefined,
  });
}

/** {@link validatePath} without an options object: it runs on every request. */
export function checkPath(path: unknown, sequential: boolean): string {
  if (typeof path !== 'string') throw invalidPath(path, 'not a string');
  if (path.length === 0) throw invalidPath(path, 'empty');
  if (path[0] !== '/') throw invalidPath(path, 'must start with /');
  if (path.length === 1) {
    if (sequential) throw invalidPath(path, 'the root cannot be created');
    return path;
  }
  const body = sequential && path.endsWith('/') ? path.slice(0, -1) : path;
  if (body.endsWith('/')) throw invalidPath(path, 'must not end with /');
  // Regexes, not a loop over characters: this runs on every request (bench/core-vs-raw.mjs).
  const relative = RELATIVE.exec(body);
  if (relative) {
    throw invalidPath(
      path,
      relative[0] === '//' ? 'empty component (//)' : `relative component "${relative[1]}"`,
    );
  }
  const badChar = BAD_CHAR.exec(path);
  if (badChar) {
    const c = badChar[0].charCodeAt(0);
    throw invalidPath(path, `character U+${c.toString(16).padStart(4, '0')} is not allowed`);
  }
  return path;
}

/**
 * Joins path parts with single slashes into an absolute path, validated. Parts may carry their
 * own slashes (`joinPath('/a/', 'b', 'c/d')` is `/a/b/c/d`).
 */
export function joinPath(...parts: string[]): string {
  for (const [i, p] of parts.entries()) {
    if (typeof p !== 'string')
      throw new InvalidArgumentError(`parts.${i}`, 'path parts must be strings');
  }
  const pieces = parts.flatMap((p) => p.split('/')).filter((p) => p !== '');
  return validatePath(`/${pieces.join('/')}`);
}

/**
 * The path of `name` under `parent`, both already valid (no check: recipes build child paths
 * on their hot paths). The root's children are `/name`, not `//name`.
 */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** The components of a valid path: `/a/b` gives `['a', 'b']`, `/` gives `[]`. */
export function splitPath(path: string): string[] {
  validatePath(path);
  return path === '/' ? [] : path.slice(1).split('/');
}

/** The parent of a valid path (`/` for a top-level node); undefined for the root. */
export function parentPath(path: string): string | undefined {
  validatePath(path);
  if (path === '/') return undefined;
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.slice(0, i);
}

/** The last component of a valid path. */
export function nodeName(path: string): string {
  validatePath(path);
  return path.slice(path.lastIndexOf('/') + 1);
}

const INT32 = 2 ** 32;

/** A sequence counter's text (`0000000007`, `-000000001`, `-2147483648`) as its creation order. */
function sequenceOf(text: string): number | undefined {
  if (!/^-?\d{9,10}$/.test(text) || text.length < 10) return undefined;
  const n = Number(text);
  if (n > 0x7fffffff || n < -0x80000000) return undefined;
  return n < 0 ? n + INT32 : n;
}

/**
 * The sequence number a sequential node's name ends with, as its place in creation order. The
 * server formats its signed 32-bit counter with `%010d`, so once it wraps the suffix becomes
 * `-2147483648` ... `-000000001` (kazoo #606, #730); those count as 2^31 ... 2^32-1, so numbers
 * keep growing across the wrap. With `lockName` (the text the sequence follows, e.g. `lock-`)
 * the suffix is exactly what follows its last occurrence; without it, ten trailing digits are a
 * positive number and a minus sign before nine or ten digits a negative one (a name that itself
 * ends in `-` is then ambiguous: pass lockName). Undefined when there is no sequence.
 */
export function parseSequence(name: string, lockName?: string): number | undefined {
  if (lockName !== undefined) {
    const i = name.lastIndexOf(lockName);
    return i < 0 ? undefined : sequenceOf(name.slice(i + lockName.length));
  }
  const ten = name.slice(-10);
  if (/^\d{10}$/.test(ten)) {
    // Ten digits: positive, unless too big for one, in which case a minus sign must precede.
    return Number(ten) <= 0x7fffffff ? Number(ten) : sequenceOf(name.slice(-11));
  }
  return /^-\d{9}$/.test(ten) ? sequenceOf(ten) : undefined;
}

/**
 * The text contenders are ordered by: what follows the last occurrence of the lock name
 * (Curator strips each lock name in turn: SortingLockInternalsDriver, __READ__ then __WRIT__);
 * the whole name when it has none.
 */
export function sortKey(name: string, lockNames: readonly string[]): string {
  let key = name;
  for (const ln of lockNames) {
    const i = key.lastIndexOf(ln);
    if (i >= 0) key = key.slice(i + ln.length);
  }
  return key;
}

/**
 * Sorts contender names the way Curator does (StandardLockInternalsDriver.fixForSorting): by
 * the text after the last occurrence of `lockName`, or the whole name when it does not occur.
 * Java and TypeScript contenders on one path must agree on who is first, so this is Curator's
 * order exactly while no counter has wrapped; past the wrap (where Curator's string order puts
 * the newest first) names with a sequence compare by creation order ({@link parseSequence}).
 */
export function sortBySequence(
  names: readonly string[],
  lockName: string | readonly string[],
): string[] {
  const lockNames = typeof lockName === 'string' ? [lockName] : lockName;
  const keyed = names.map((name) => {
    const key = sortKey(name, lockNames);
    return { name, key, seq: key === name ? undefined : sequenceOf(key) };
  });
  const wrapped = keyed.some((k) => k.seq !== undefined && k.key.startsWith('-'));
  keyed.sort((a, b) => {
    if (wrapped && a.seq !== undefined && b.seq !== undefined) return a.seq - b.seq;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return keyed.map((k) => k.name);
}
