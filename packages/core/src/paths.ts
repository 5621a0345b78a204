import { InvalidArgumentError } from './errors.js';

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
  for (const part of body.slice(1).split('/')) {
    if (part === '') throw bad('empty component (//)');
    if (part === '.' || part === '..') throw bad(`relative component "${part}"`);
  }
  for (const ch of path) {
    const c = ch.codePointAt(0)!;
    if (
      c === 0 ||
      (c > 0 && c < 0x20) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      throw bad(`character U+${c.toString(16).padStart(4, '0')} is not allowed`);
    }
  }
  return path;
}
