/** Signal plumbing shared by recipes. */

/**
 * One signal that aborts with the first of `signals` (with its reason), whose listeners
 * dispose() removes. Use it instead of AbortSignal.any() where a source lives long (a caller's
 * signal passed to every acquire, a recipe's close signal): on Node 20, AbortSignal.any()
 * keeps an entry on each source for every signal composed from it, until the source is
 * collected.
 *
 * @example
 * const wait = joinSignals([options.signal, AbortSignal.timeout(5000)].filter(Boolean));
 * try { await waitFor(wait.signal); } finally { wait.dispose(); }
 */
export function joinSignals(signals: readonly AbortSignal[]): {
  signal?: AbortSignal;
  dispose: () => void;
} {
  if (signals.length <= 1) return { signal: signals[0], dispose: () => undefined };
  const joined = new AbortController();
  const onAbort = (e: Event) => joined.abort((e.target as AbortSignal).reason);
  const dispose = () => signals.forEach((s) => s.removeEventListener('abort', onAbort));
  for (const s of signals) {
    if (s.aborted) {
      joined.abort(s.reason);
      break;
    }
    s.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: joined.signal, dispose };
}
