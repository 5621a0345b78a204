// Our SharedCount for bench/shared-count-vs-curator.mjs: the protocol of
// bench/java/CuratorSharedCountBench.java. Commands on stdin, one answer line each:
//   follow <path>   -> following (a started SharedCount on <path>; its changes are timed)
//   stats           -> lat <us,us,...> (write -> seen latencies since follow, then cleared)
//   stop            -> stopped (the SharedCount closed)
// A written count is the writer's wall clock in microseconds modulo 2^31; the follower subtracts
// it from its own wall clock modulo 2^31 (same machine). With the argument `core` after the
// connect string, the follower is core's client alone: a getData watch, re-set at each change.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import readline from 'node:readline';
import { SharedCount } from '@zk-recipes/atomic';
import { createClient } from '@zk-recipes/core';

const WRAP = 2 ** 31;
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const KIND = process.argv[3] ?? 'ours';
const client = createClient({ connectString: process.argv[2], sessionTimeoutMs: 10_000 });
const CORE = process.argv[3]?.startsWith('core'); // else 'ours'
const NOSIGNAL = process.argv[3] === 'core0';
await client.start({ timeoutMs: 20_000 });
process.stdin.on('end', () => process.exit(0)); // the parent died
let count;
let raw;
async function rawClient(connect) {
  const nzc = createRequire(import.meta.url)('node-zookeeper-client');
  const c = nzc.createClient(connect, { sessionTimeout: 10_000 });
  await new Promise((resolve) => {
    c.once('connected', resolve);
    c.connect();
  });
  return c;
}
let latencies = [];
console.log('ready');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'follow' && KIND === 'raw') {
    // node-zookeeper-client alone, as the package's own users write it: the floor in Node.
    raw ??= await rawClient(process.argv[2]);
    let stopped = false;
    const read = () =>
      raw.getData(
        arg,
        (e) => !stopped && e.getName() === 'NODE_DATA_CHANGED' && read(),
        (err, data) => {
          if (!err)
            latencies.push(((((nowUs() % WRAP) - data.readInt32BE(0)) % WRAP) + WRAP) % WRAP);
        },
      );
    read();
    count = { close: () => (stopped = true) };
    console.log('following');
  } else if (cmd === 'follow' && CORE) {
    const stop = new globalThis.AbortController();
    const read = () =>
      client
        .getData(arg, {
          watch: (e) => e.type === 'NodeDataChanged' && read(),
          ...(NOSIGNAL ? {} : { signal: stop.signal }),
        })
        .then(({ data }) =>
          latencies.push(((((nowUs() % WRAP) - data.readInt32BE(0)) % WRAP) + WRAP) % WRAP),
        )
        .catch(() => undefined);
    await read();
    count = { close: () => stop.abort() };
    console.log('following');
  } else if (cmd === 'follow') {
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
raw?.close();
await client.close();
process.exit(0);
