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
