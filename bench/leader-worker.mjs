// One LeaderLatch participant in its own Node process, for bench/leader-failover.mjs
// --processes: the twin of bench/java/CuratorLeaderWorker.java, with the same line protocol
// (see there). Usage: node bench/leader-worker.mjs <connect> <path>. Exits when stdin closes.
import readline from 'node:readline';
import { createClient } from '@zk-recipes/core';
// The bench workspace package does not depend on @zk-recipes/leader: import its build directly.
import { LeaderLatch } from '../packages/leader/dist/index.js';

const [connectString, path] = process.argv.slice(2);
const nowUs = () => process.hrtime.bigint() / 1000n;
const say = (line) => process.stdout.write(`${line}\n`);

const client = createClient({ connectString, sessionTimeoutMs: 30_000 });
await client.start({ timeoutMs: 30_000 });
let latch;
const commands = {
  async join(id) {
    latch = new LeaderLatch(client, path, { id });
    latch.on('isLeader', () => say(`leader ${nowUs()}`));
    await latch.start();
    say('joined');
  },
  async close() {
    const t0 = nowUs();
    const closed = latch.close();
    say(`closing ${t0}`); // after close()'s synchronous part: the delete is on its way
    latch = undefined;
    await closed;
    say('closed');
  },
};
let chain = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...args] = line.trim().split(' ');
  chain = chain.then(() => commands[cmd]?.(...args));
});
process.stdin.on('end', () => {
  void chain.then(async () => {
    await latch?.close();
    await client.close();
    process.exit(0);
  });
});
say('ready');
