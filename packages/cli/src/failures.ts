/**
 * What an error becomes on the command line: one line on stderr and an exit code (1: the
 * command could not be done, 2: it was asked wrongly). Stack traces only with --verbose.
 */
import {
  AuthFailedError,
  ConnectTimeoutError,
  InvalidArgumentError,
  NoAuthError,
  NoNodeError,
  ZkRecipesError,
} from '@zk-recipes/core';

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** The one line and the exit code for `e`, raised while working on `path`. */
export function describe(
  e: unknown,
  command: string | undefined,
  path: string | undefined,
): { line: string; code: number } {
  const where = command ? `zk-recipes ${command}` : 'zk-recipes';
  if (e instanceof InvalidArgumentError) {
    return { line: `${where}: ${e.message}`, code: EXIT_USAGE };
  }
  if (e instanceof ConnectTimeoutError) {
    return { line: `${where}: cannot connect: ${e.message}`, code: EXIT_ERROR };
  }
  if (e instanceof NoNodeError) {
    return { line: `${where}: no node at ${path ?? e.path ?? 'that path'}`, code: EXIT_ERROR };
  }
  if (e instanceof NoAuthError) {
    return {
      line: `${where}: not allowed to read ${path ?? e.path ?? 'that path'} (NOAUTH): its ACL needs credentials, give them with --digest user:password`,
      code: EXIT_ERROR,
    };
  }
  if (e instanceof AuthFailedError) {
    return { line: `${where}: the server refused the credentials (AUTHFAILED)`, code: EXIT_ERROR };
  }
  if (e instanceof ZkRecipesError)
    return { line: `${where}: ${e.message} (${e.code})`, code: EXIT_ERROR };
  const message = e instanceof Error ? e.message : String(e);
  return { line: `${where}: unexpected error: ${message}`, code: EXIT_ERROR };
}

/** The stack trace of `e` and of its causes, for --verbose. */
export function stackOf(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && depth < 5; depth++) {
    parts.push(cur instanceof Error ? (cur.stack ?? cur.message) : JSON.stringify(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
    if (cur !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}
