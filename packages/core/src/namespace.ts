/**
 * A client view's namespace: its paths live under `/<namespace>` on the server. Checks the
 * caller's paths and maps them both ways (driver/chroot.ts: a namespace maps as a chroot does,
 * one level up), and makes the namespace node on demand.
 */
import { addRoot, stripRoot } from './driver/chroot.js';
import { InvalidArgumentError } from './errors.js';
import { mkdirs, type FrameworkContext } from './framework/nodes.js';
import { traced } from './framework/observability.js';
import { checkPath, validatePath } from './paths.js';
import type { Watcher } from './types.js';
import { checkCallOptions } from './validate.js';

const NAMESPACE = /^[^/]+(\/[^/]+)*$/;

/** `/app/sub` for `app/sub`; undefined for no namespace. */
export function namespacePath(ns: string | undefined): string | undefined {
  if (ns === undefined || ns === '') return undefined;
  if (typeof ns !== 'string' || !NAMESPACE.test(ns)) {
    throw new InvalidArgumentError(
      'namespace',
      'a namespace is a relative path: "app" or "app/sub"',
    );
  }
  return validatePath(`/${ns}`);
}

export class Namespace {
  /** The namespace as a server path (`/app/sub`), or undefined. */
  readonly root: string | undefined;

  constructor(namespace: string | undefined) {
    this.root = namespacePath(namespace);
  }

  /** The server path (namespace applied) of a caller's path, validated with the call's options. */
  toServer(path: string, sequential = false, options?: unknown): string {
    checkPath(path, sequential);
    checkCallOptions(options);
    return addRoot(path, this.root);
  }

  /** The caller's path for a server path (chroot already stripped by the driver). */
  fromServer(path: string): string {
    return stripRoot(path, this.root);
  }

  /** The caller's watcher, hearing paths in the namespace. */
  mapWatch(watch: Watcher | undefined): Watcher | undefined {
    if (watch === undefined || this.root === undefined) return watch;
    if (typeof watch !== 'function')
      throw new InvalidArgumentError('watch', 'watch must be a function');
    return (e) => watch({ ...e, path: this.fromServer(e.path) });
  }

  /** The namespace node itself, persistent (a container would vanish when emptied). */
  async ensure(ctx: FrameworkContext, signal?: AbortSignal): Promise<void> {
    const root = this.root;
    if (root === undefined) return;
    await traced('ensurePath', root, () => mkdirs(ctx, root, signal, { containers: false }));
  }
}
