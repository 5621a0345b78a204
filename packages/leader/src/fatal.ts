import {
  AuthFailedError,
  DataTooLargeError,
  InvalidAclError,
  NoAuthError,
  NoChildrenForEphemeralsError,
} from '@zk-recipes/core';

/**
 * Errors a turn cannot cure by taking another: the server refuses this client (NOAUTH on the
 * path, credentials refused, an ACL it will not take) or the request itself. The recipe stops
 * and says so (start(), awaitLeadership(), the `error` event) rather than retry for ever.
 */
export function isFatal(e: unknown): boolean {
  return (
    e instanceof NoAuthError ||
    e instanceof AuthFailedError ||
    e instanceof InvalidAclError ||
    e instanceof NoChildrenForEphemeralsError ||
    e instanceof DataTooLargeError
  );
}
