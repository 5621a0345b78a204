// One worker of the demo, in its own process: it takes part in the election (runWhileLeader)
// and takes turns through a withLock() critical section, telling the demo what happens over IPC.
import { createClient } from '@zk-recipes/core';
import { runWhileLeader } from '@zk-recipes/leader';
import { withLock } from '@zk-recipes/lock';

export type WorkerMessage =
  | { type: 'state'; state: string; previous: string; sessionId: string }
  | { type: 'elected'; epoch: string }
  | { type: 'revoked' }
  | { type: 'leading'; epoch: string }
  | { type: 'locked'; token: string }
  | { type: 'unlocked' }
  | { type: 'stopped' };

const [connectString, electionPath, lockPath, name] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const tell = (m: WorkerMessage) => process.send?.(m);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
// If the demo goes away, so does this worker: nothing outlives the demo.
process.on('disconnect', () => process.exit(0));

const stop = new AbortController();
process.on('message', (m) => {
  if (m === 'stop') stop.abort();
});

const client = createClient({ connectString, sessionTimeoutMs: 4000 });
client.onStateChange((c) =>
  tell({
    type: 'state',
    state: c.state,
    previous: c.previous,
    sessionId: c.sessionId.toString(16),
  }),
);
await client.start({ timeoutMs: 20_000 });

const task = await runWhileLeader(client, electionPath, {
  id: name,
  onElected: async (signal, epoch) => {
    tell({ type: 'elected', epoch: epoch.toString() });
    while (!signal.aborted) {
      await sleep(1500, signal);
      if (!signal.aborted) tell({ type: 'leading', epoch: epoch.toString() });
    }
  },
  onRevoked: () => tell({ type: 'revoked' }),
});

while (!stop.signal.aborted) {
  try {
    await withLock(
      client,
      lockPath,
      async (lease) => {
        tell({ type: 'locked', token: lease.fencingToken.toString() });
        await sleep(250, lease.signal);
        tell({ type: 'unlocked' });
      },
      { signal: stop.signal, timeoutMs: 10_000 },
    );
  } catch {
    // Stopping, a timeout, or a lost connection: the loop decides whether to go on.
  }
  await sleep(150 + Math.random() * 300, stop.signal);
}
await task.close();
await client.close();
tell({ type: 'stopped' });
process.disconnect();
