/**
 * What stops a cache read without an error to report: a newer load superseded it (or the cache
 * closed), or its connection or session went (the rebuild after the reconnect covers it).
 */

/** Why a load stopped without finishing: superseded by a newer one, or the cache closed. */
export const SUPERSEDED: Error = Object.freeze(new Error('superseded by a newer rebuild'));

/** A request that failed because the connection or session went: a rebuild follows. */
export function isConnectionLoss(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return (
    code === 'CONNECTIONLOSS' ||
    code === 'SESSIONEXPIRED' ||
    code === 'OPERATIONTIMEOUT' ||
    code === 'SESSIONMOVED' ||
    code === 'RETRIES_EXHAUSTED' ||
    code === 'CLIENT_CLOSED' ||
    code === 'RECIPE_CLOSED' ||
    (e as Error | undefined)?.name === 'AbortError'
  );
}
