/**
 * Diagnostics channels (node:diagnostics_channel), so users can hook metrics and tracing
 * without this project choosing a vendor. Publishing costs nothing when no one subscribes.
 * See docs/observability.md.
 */
// A namespace import: a default import in the declarations fails without esModuleInterop.
import * as diagnostics from 'node:diagnostics_channel';

/** Channel names, all under `zk-recipes:`. */
export const channels = {
  /** Every operation that completed or failed: `{ op, path, durationMs, error? }`. */
  operation: diagnostics.channel('zk-recipes:operation'),
  /** Every retry: `{ operation, path, attempt, sleepMs, error }`. */
  retry: diagnostics.channel('zk-recipes:retry'),
  /** Every connection state change: a StateChange. */
  state: diagnostics.channel('zk-recipes:state'),
  /** Recipe events: `{ recipe, event, path, ... }` (contender created, granted, released, ...). */
  recipe: diagnostics.channel('zk-recipes:recipe'),
} as const;

/** The short name of a diagnostics channel: `operation`, `retry`, `state` or `recipe` (docs/observability.md). */
export type ChannelName = keyof typeof channels;

export function publish(name: ChannelName, message: object): void {
  const ch = channels[name];
  if (ch.hasSubscribers) ch.publish(message);
}

/** Runs `run`, publishing it on the operation channel when someone listens. */
export function traced<T>(op: string, path: string, run: () => Promise<T>): Promise<T> {
  if (!channels.operation.hasSubscribers) return run();
  const began = performance.now();
  const report = (error?: unknown) =>
    publish('operation', {
      op,
      path,
      durationMs: performance.now() - began,
      ...(error === undefined ? {} : { error }),
    });
  return run().then(
    (v) => {
      report();
      return v;
    },
    (e: unknown) => {
      report(e);
      throw e;
    },
  );
}
