// One LeaderLatch participant in its own Node process, for bench/leader-failover.mjs
// --processes: the twin of bench/java/CuratorLeaderWorker.java, with the same line protocol
// (see there). Usage: node bench/leader-worker.mjs <connect> <path>. Exits when stdin closes.
//
// Timeline (ours only): `leader <µs> <grantedµs> <readµs,...>` (the socket reads of the 20 ms
// before isLeader) and `closed <deleteWrittenµs>`,
// for bench/leader-failover.mjs's breakdown of a failover. The times come from the socket
// (net.Socket's write, and its reads: the `onread` callback core's socket reads with) and from the contender's `granted` event on the
// zk-recipes:recipe channel: the closer's delete leaving, the first bytes the successor read
// after it (the notification), its grant, its isLeader.
import net from 'node:net';
import readline from 'node:readline';
import { channel } from 'node:diagnostics_channel';
import { createClient } from '@zk-recipes/core';
// The bench workspace package does not depend on @zk-recipes/leader: import its build directly.
import { LeaderLatch } from '../packages/leader/dist/index.js';

const [connectString, path] = process.argv.slice(2);
const nowUs = () => process.hrtime.bigint() / 1000n;
const say = (line) => process.stdout.write(`${line}\n`);

// The last socket write and the socket reads of this process, in µs.
let lastWrite = 0n;
const reads = [];
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (...args) {
  lastWrite = nowUs();
  return write.apply(this, args);
};
const noteRead = () => {
  reads.push(nowUs());
  if (reads.length > 64) reads.splice(0, 32);
};
// Core's socket reads through `onread` (packages/core/src/driver/socket.ts), which emits no
// 'data' events: its callback is wrapped where core makes the socket.
const connect = net.connect;
net.connect = function (options, ...rest) {
  const onread = options?.onread;
  if (onread?.callback) {
    const callback = onread.callback;
    options = {
      ...options,
      onread: { ...onread, callback: (...a) => (noteRead(), callback(...a)) },
    };
  }
  return connect.call(this, options, ...rest);
};
const emit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function (event, ...args) {
  if (event === 'data') noteRead();
  return emit.call(this, event, ...args);
};
let granted = 0n;
channel('zk-recipes:recipe').subscribe((m) => {
  if (m.recipe === 'contender' && m.event === 'granted') granted = nowUs();
});

const client = createClient({ connectString, sessionTimeoutMs: 30_000 });
await client.start({ timeoutMs: 30_000 });
let latch;
const commands = {
  async join(id) {
    latch = new LeaderLatch(client, path, { id });
    latch.on('isLeader', () => {
      const t = nowUs();
      const recent = reads.filter((r) => r >= t - 20_000n);
      say(`leader ${t} ${granted} ${recent.join(',') || '0'}`);
    });
    await latch.start();
    say('joined');
  },
  async close() {
    const t0 = nowUs();
    const closed = latch.close();
    const written = lastWrite >= t0 ? lastWrite : 0n;
    say(`closing ${t0}`); // after close()'s synchronous part: the delete is on its way
    latch = undefined;
    await closed;
    say(`closed ${written}`);
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
