/**
 * A path under a root, and back: a chroot (the connect string's `/suffix`, which the server
 * never sees as such) and a client's namespace are the same mapping, so both use these.
 */

/** `path` below `root` (undefined or '': no root); '/' is the root itself. */
export function addRoot(path: string, root: string | undefined): string {
  if (!root) return path;
  return path === '/' ? root : root + path;
}

/** `path` without its `root` prefix: the root itself is '/', a path outside it is unchanged. */
export function stripRoot(path: string, root: string | undefined): string {
  if (!root) return path;
  if (path === root) return '/';
  // A '/' right after the prefix (`/app2` is not under `/app`), tested without a new string.
  return path.length > root.length && path.charCodeAt(root.length) === 47 && path.startsWith(root)
    ? path.slice(root.length)
    : path;
}
