// A holder in a child process, for the pause test: it takes a lock (`lock`) or leads a latch
// (`latch`), then checks `assertHeld()` every 20 ms before a pretend write. The parent stops it
// with SIGSTOP past its session and resumes it with SIGCONT; the first tick after the gap
// reports what that check said, before the process could read its socket.
import { createClient, type ZkRecipesError } from '@zk-recipes/core';
import { LeaderLatch } from '@zk-recipes/leader';
import { Mutex } from '@zk-recipes/lock';

const [connectString, path, kind, sessionText] = process.argv.slice(2) as [
  string,
  string,
  'lock' | 'latch',
  string,
];
const client = createClient({ connectString, sessionTimeoutMs: Number(sessionText) });
await client.start();
let holder: { assertHeld(): void; signal: AbortSignal };
if (kind === 'lock') {
  holder = await new Mutex(client, path).acquire();
} else {
  const latch = new LeaderLatch(client, path);
  await latch.start();
  holder = await latch.awaitLeadership();
}

let writes = 0;
let refused = 0;
let last = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  const gapMs = now - last;
  last = now;
  let outcome: string;
  try {
    holder.assertHeld();
    writes++; // the write the lock or the leadership protects
    outcome = 'wrote';
  } catch (e) {
    refused++;
    outcome = (e as ZkRecipesError).code ?? String(e);
  }
  if (gapMs > 1000) {
    clearInterval(timer);
    const reason = holder.signal.reason as ZkRecipesError | undefined;
    process.send!({
      type: 'resumed',
      gapMs,
      outcome,
      aborted: holder.signal.aborted,
      reason: reason?.code,
      cause: (reason?.cause as ZkRecipesError | undefined)?.code,
    });
  } else if (writes === 10) {
    process.send!({ type: 'ticking', refused });
  }
}, 20);
process.on('message', () => {
  clearInterval(timer);
  void client.close().then(() => process.exit(0));
});
