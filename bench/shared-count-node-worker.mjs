// Our SharedCount for bench/shared-count-vs-curator.mjs: the protocol of
// bench/java/CuratorSharedCountBench.java. Commands on stdin, one answer line each:
//   follow <path>   -> following (a started SharedCount on <path>; its changes are timed)
//   stats           -> lat <us,us,...> (write -> seen latencies since follow, then cleared)
//   stop            -> stopped (the SharedCount closed)
// A written count is the writer's wall clock in microseconds modulo 2^31; the follower subtracts
// it from its own wall clock modulo 2^31 (same machine).
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { SharedCount } from '@zk-recipes/atomic';
import { createClient } from '@zk-recipes/core';

const WRAP = 2 ** 31;
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const client = createClient({ connectString: process.argv[2], sessionTimeoutMs: 10_000 });
await client.start({ timeoutMs: 20_000 });
process.stdin.on('end', () => process.exit(0)); // the parent died
let count;
let latencies = [];
console.log('ready');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'follow') {
    count = new SharedCount(client, arg, 0);
    await count.start();
    void (async () => {
      for await (const { value } of count.changes()) {
        latencies.push(((((nowUs() % WRAP) - value) % WRAP) + WRAP) % WRAP);
      }
    })();
    console.log('following');
  } else if (cmd === 'stats') {
    console.log(`lat ${latencies.join(',')}`);
    latencies = [];
  } else if (cmd === 'stop') {
    await count?.close();
    count = undefined;
    console.log('stopped');
  } else if (cmd === 'quit') break;
}
await client.close();
process.exit(0);
