// One process of bench/atomic-vs-curator.mjs on our side: an AtomicLong on its own client.
// Commands on stdin, one a line; answers on stdout:
//   run <path> <ms> <startAtEpochMs>   increments from startAt for ms: `result <count> <failed>`
//   quit
import readline from 'node:readline';
import { createClient, retryNTimes } from '@zk-recipes/core';
import { AtomicLong } from '@zk-recipes/atomic';

const [connect, retries, sleepMs] = process.argv.slice(2);
const client = createClient({ connectString: connect, sessionTimeoutMs: 30_000 });
await client.start();
const policy = retryNTimes(Number(retries), Number(sleepMs));
process.stdin.on('end', () => process.exit(0)); // the parent died
console.log('ready');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [cmd, path, ms, startAt] = line.split(' ');
  if (cmd === 'quit') break;
  const n = new AtomicLong(client, path, { retryPolicy: policy });
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
  const end = Date.now() + Number(ms);
  let count = 0;
  let failed = 0;
  while (Date.now() < end) {
    try {
      await n.increment();
      count++;
    } catch {
      failed++;
    }
  }
  console.log(`result ${count} ${failed}`);
}
await client.close();
process.exit(0);
