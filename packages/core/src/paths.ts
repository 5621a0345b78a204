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
export function validatePath(path: unknown, options: { sequential?: boolean } = {}): string {
  const bad = (why: string) =>
    new InvalidArgumentError('path', `invalid path ${JSON.stringify(path)}: ${why}`, {
      path: typeof path === 'string' ? path : undefined,
    });
  if (typeof path !== 'string') throw bad('not a string');
  if (path.length === 0) throw bad('empty');
  if (path[0] !== '/') throw bad('must start with /');
  if (path.length === 1) {
    if (options.sequential) throw bad('the root cannot be created');
    return path;
  }
  const body = options.sequential && path.endsWith('/') ? path.slice(0, -1) : path;
  if (body.endsWith('/')) throw bad('must not end with /');
  // Regexes, not a loop over characters: this runs on every request (bench/core-vs-raw.mjs).
  const relative = RELATIVE.exec(body);
  if (relative) {
    throw bad(
      relative[0] === '//' ? 'empty component (//)' : `relative component "${relative[1]}"`,
    );
  }
  const badChar = BAD_CHAR.exec(path);
  if (badChar) {
    const c = badChar[0].charCodeAt(0);
    throw bad(`character U+${c.toString(16).padStart(4, '0')} is not allowed`);
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

/**
 * The sequence number a sequential node's name ends with: ten digits, or, once the parent's
 * signed 32-bit counter has wrapped, a minus sign and ten digits (kazoo #606, #730). Returned
 * as the unsigned position in creation order: `-2147483648` (the first after the wrap) is
 * 2147483648, so numbers keep growing across the wrap. Undefined when the name has no suffix.
 */
export function parseSequence(name: string): number | undefined {
  const m = /(-?)(\d{10})$/.exec(name);
  if (!m) return undefined;
  const n = Number(`${m[1]}${m[2]}`);
  if (n > 0x7fffffff || n < -0x80000000) return undefined;
  return n < 0 ? n + 2 ** 32 : n;
}

/**
 * Sorts contender names the way Curator does (StandardLockInternalsDriver.fixForSorting): by
 * the text after the last occurrence of `lockName`, or the whole name when it does not occur.
 * Java and TypeScript contenders on one path must agree on who is first, so this is Curator's
 * order exactly while sequences are ten digits; past a counter wrap (where Curator's string
 * order puts the newest first) names with a sequence compare by {@link parseSequence} instead.
 */
export function sortBySequence(names: readonly string[], lockName: string): string[] {
  const key = (name: string) => {
    const i = name.lastIndexOf(lockName);
    return i < 0 ? name : name.slice(i + lockName.length);
  };
  const keyed = names.map((name) => ({ name, key: key(name), seq: parseSequence(name) }));
  const wrapped = keyed.some((k) => k.key.startsWith('-'));
  keyed.sort((a, b) => {
    if (wrapped && a.seq !== undefined && b.seq !== undefined) return a.seq - b.seq;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return keyed.map((k) => k.name);
}
