// The watching half of bench/leader-failover.mjs's floor across two processes: a raw
// node-zookeeper-client session in a process of its own, as a successor is. Usage: node
// bench/leader-floor-worker.mjs <connect>. Commands on stdin, one a line:
//   watch <path>   getData with a watch on <path>; answers `armed`, then `fired <µs>` when the
//                  watch fires (CLOCK_MONOTONIC µs, the clock of the other processes)
// Exits when stdin closes.
import readline from 'node:readline';
import { createRequire } from 'node:module';

const zookeeper = createRequire(import.meta.url)('node-zookeeper-client');
const say = (line) => process.stdout.write(`${line}\n`);
const nowUs = () => process.hrtime.bigint() / 1000n;
const c = zookeeper.createClient(process.argv[2], { sessionTimeout: 30000, retries: 0 });
c.once('connected', () => say('ready'));
c.connect();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, path] = line.trim().split(' ');
  if (cmd !== 'watch') return;
  c.getData(
    path,
    () => say(`fired ${nowUs()}`),
    (err) => say(err ? `error ${err.message}` : 'armed'),
  );
});
process.stdin.on('end', () => {
  c.close();
  process.exit(0);
});
