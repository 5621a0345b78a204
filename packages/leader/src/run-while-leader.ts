import { InvalidArgumentError, type ZkClient } from '@zk-recipes/core';
import { LeaderLatch, type Leadership } from './latch.js';
import { sleep } from '@zk-recipes/core/recipe';
import { backoffMs } from './waits.js';

/** Options of {@link runWhileLeader}. */
export interface RunWhileLeaderOptions {
  /** This participant's id (the latch node's data). */
  id?: string;
  /**
   * Runs each time this process becomes leader. Stop when `signal` aborts: leadership may be
   * lost. Pass `epoch` to what the task writes, so a resource can refuse a deposed leader. A
   * task that returns while still leading leaves leadership held and idle; one that throws
   * gives leadership up, so another participant can try (after a backoff when it keeps failing).
   * `leadership.assertHeld()` checks, synchronously, that it still may lead before a write.
   */
  onElected: (signal: AbortSignal, epoch: bigint, leadership: Leadership) => Promise<void> | void;
  /** Called when leadership ends (after the signal aborted), including on close(). */
  onRevoked?: () => void;
  /** Told of errors the runner survived: a task that threw, a listener that threw. */
  onError?: (error: unknown) => void;
}

/** A running leader task: close() stops the task and leaves the election. */
export interface LeaderTask extends AsyncDisposable {
  /** The latch underneath (participants, getLeader(), events). */
  readonly latch: LeaderLatch;
  /** Whether this process leads now. */
  readonly isLeader: boolean;
  /** Gives leadership up, waits for the task to return, leaves the election. Idempotent. */
  close(): Promise<void>;
}

/**
 * Runs `onElected` only while this process leads the election at `path` (a LeaderLatch,
 * Curator's protocol), stops it when leadership may be lost, and runs it again when
 * leadership comes back. Never two runs at once in one process: a new run starts only after
 * the previous one returned.
 *
 * @example
 * await using task = await runWhileLeader(client, '/services/mailer/leader', {
 *   id: process.env.HOSTNAME,
 *   onElected: async (signal, epoch) => { while (!signal.aborted) await sendBatch(epoch); },
 *   onRevoked: () => console.log('no longer leader'),
 * });
 */
export async function runWhileLeader(
  client: ZkClient,
  path: string,
  options: RunWhileLeaderOptions,
): Promise<LeaderTask> {
  const o = options as Partial<RunWhileLeaderOptions> | undefined;
  if (typeof o?.onElected !== 'function') {
    throw new InvalidArgumentError('onElected', 'onElected must be a function');
  }
  for (const f of ['onRevoked', 'onError'] as const) {
    if (o[f] !== undefined && typeof o[f] !== 'function') {
      throw new InvalidArgumentError(f, `${f} must be a function`);
    }
  }
  const { onElected, onRevoked, onError } = o as RunWhileLeaderOptions;
  const latch = new LeaderLatch(client, path, {
    ...(o.id === undefined ? {} : { id: o.id }),
    closeMode: 'notifyLeader',
  });
  let runs: Promise<void> = Promise.resolve();
  let failures = 0;
  const report = (e: unknown) => {
    try {
      onError?.(e);
    } catch {
      /* a reporter that throws has nowhere else to go */
    }
  };
  const runOnce = async (leadership: Leadership) => {
    const { signal, epoch } = leadership;
    if (failures > 0) await sleep(backoffMs(failures), signal).catch(() => undefined);
    if (signal.aborted) return;
    try {
      await onElected(signal, epoch, leadership);
      failures = 0;
    } catch (e) {
      if (signal.aborted) return; // stopping as asked
      failures++;
      report(e);
      if (latch.state === 'STARTED') await latch.resign().catch(report);
    }
  };
  latch.on('isLeader', (l) => {
    runs = runs.then(() => runOnce(l));
  });
  if (onRevoked) latch.on('notLeader', onRevoked);
  latch.on('error', report);
  // Rejects (the latch closed) on a closed client, or when this client may not take part.
  await latch.start();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await latch.close();
      await runs;
    })());
  return {
    latch,
    get isLeader() {
      return latch.hasLeadership();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
