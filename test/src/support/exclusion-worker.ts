// A child process for the exclusion tests (support/exclusion-pool.ts starts it): takes a Mutex
// again and again, recording each grant and each end of belief with the shared checker
// (support/exclusion.ts), until it has done `rounds` or is told to stop. It reports its
// connection states and session credentials (so the test can expire its session) over IPC.
//
// A holder believes it holds from the grant until it calls release() or lease.signal aborts,
// whichever comes first. Asked to `pin`, it keeps its next grant until lease.signal aborts,
// so the test can put a fault under a holder. Errors of an acquire are counted by code and the
// acquire is tried again: under faults they are expected; which ones, the test decides.
import { once } from 'node:events';
import { createClient, ZkRecipesError } from '@zk-recipes/core';
import { Mutex, type Lease } from '@zk-recipes/lock';
import { enter } from './exclusion.js';

export interface WorkerConfig {
  who: string;
  connectString: string;
  path: string;
  /** Grants to take; 0: until told to stop. */
  rounds: number;
  dir: string;
  sessionTimeoutMs: number;
  /** Each grant is held for a random time up to this (ms); 0 yields once to the event loop. */
  maxHoldMs: number;
}

export type ToWorker = { cmd: 'pin' } | { cmd: 'unpin' } | { cmd: 'stop' } | { cmd: 'exit' };

export interface WorkerStats {
  granted: number;
  abortLeaves: number;
  /** Grants whose lease.signal had already aborted: released at once, never believed. */
  bornAborted: number;
  /** Failed acquires by error code (`unexpected:<name>` for an error that is not typed). */
  errors: Record<string, number>;
}

export type FromWorker =
  | { type: 'state'; state: string; sessionId: string; at: number }
  | { type: 'session'; sessionId: string; password: string }
  | { type: 'pinned'; token: string; server: string | undefined }
  | { type: 'unpinned'; how: 'abort' | 'unpin' }
  | { type: 'done'; stats: WorkerStats };

const config = JSON.parse(process.argv[2]!) as WorkerConfig;
const send = (m: FromWorker) => process.send!(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stop = new AbortController();
const exit = new AbortController();
let pinRequested = false;
const unpin = new EventTarget();
process.on('message', (m: ToWorker) => {
  if (m.cmd === 'pin') pinRequested = true;
  else if (m.cmd === 'unpin') unpin.dispatchEvent(new Event('unpin'));
  else if (m.cmd === 'stop') stop.abort();
  else exit.abort();
});
// The test process is gone: nothing is left to report to.
process.on('disconnect', () => process.exit(1));

const client = createClient({
  connectString: config.connectString,
  sessionTimeoutMs: config.sessionTimeoutMs,
});
const sendSession = () => {
  const c = client.sessionCredentials();
  send({
    type: 'session',
    sessionId: c.sessionId.toString(),
    password: c.password.toString('base64'),
  });
};
client.onStateChange(({ state, sessionId }) => {
  send({ type: 'state', state, sessionId: sessionId.toString(), at: Date.now() });
  if (state === 'CONNECTED' || state === 'RECONNECTED') sendSession();
});
await client.start({ timeoutMs: 30_000 });

const stats: WorkerStats = { granted: 0, abortLeaves: 0, bornAborted: 0, errors: {} };
const mutex = new Mutex(client, config.path);

async function hold(lease: Lease): Promise<void> {
  if (pinRequested) {
    pinRequested = false;
    send({ type: 'pinned', token: lease.fencingToken.toString(), server: client.connectedServer });
    const unpinned = once(unpin, 'unpin').then(() => 'unpin' as const);
    const aborted = once(lease.signal, 'abort').then(() => 'abort' as const);
    send({ type: 'unpinned', how: await Promise.race([unpinned, aborted]) });
  } else if (config.maxHoldMs > 0) {
    await sleep(Math.random() * config.maxHoldMs);
  } else {
    await new Promise((r) => setImmediate(r));
  }
}

while (!stop.signal.aborted && (config.rounds === 0 || stats.granted < config.rounds)) {
  let lease: Lease;
  try {
    lease = await mutex.acquire({ signal: stop.signal });
  } catch (e) {
    if (stop.signal.aborted) break;
    const code = e instanceof ZkRecipesError ? e.code : `unexpected:${(e as Error).name}`;
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    await sleep(50);
    continue;
  }
  if (lease.signal.aborted) {
    // Granted while the connection was already in doubt: a careful holder does not act on it.
    stats.bornAborted++;
    await lease.release();
    continue;
  }
  const claim = enter(config.dir, config.who, lease.fencingToken);
  let released = false;
  lease.signal.addEventListener(
    'abort',
    () => {
      if (released) return;
      stats.abortLeaves++;
      claim.leave('abort');
    },
    { once: true },
  );
  stats.granted++;
  await hold(lease);
  released = true;
  claim.leave('release');
  await lease.release();
}

send({ type: 'done', stats });
// Stay connected until told to exit, so the test can look for orphaned lock nodes while every
// session is still alive (a closed session would take its orphans with it).
if (!exit.signal.aborted) await once(exit.signal, 'abort');
await client.close();
process.exit(0);
