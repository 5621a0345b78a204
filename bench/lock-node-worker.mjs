// A Node lock worker for bench/lock-vs-peers.mjs, the twin of bench/java/CuratorLockBench.java
// and bench/kazoo_lock_bench.py. Usage: node bench/lock-node-worker.mjs <peer> <connect>, with
// <peer> one of:
//   ours     Mutex from @zk-recipes/lock on a client from @zk-recipes/core
//   raw      node-zookeeper-client 1.1.3: create EPHEMERAL_SEQUENTIAL with getChildren queued
//            right behind it (the requests the Mutex sends), then delete
//   raw-seq  the same three requests one after the other
// Reads commands on stdin, one a line, and answers each with one JSON line on stdout:
//   cycles <path> <count>                  -> {"lat":[µs per acquire+release],"us":total µs,
//                                             "cpuUs":this process's CPU time meanwhile}
//   contend <path> <startUs> <endUs>       -> {"ev":[acquiredUs,releasingUs,...]}
//   inproc <path> <n> <startUs> <endUs>    -> the same, from n acquirers in this process
//     (the Java worker takes a last word, per-thread: one InterProcessMutex per thread)
// Times are CLOCK_MONOTONIC microseconds, the clock Java's nanoTime and Python's monotonic_ns
// read too, so the parent can merge every process's events. Exits when stdin closes.
import os from 'node:os';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { createClient } from '@zk-recipes/core';
import { Mutex } from '@zk-recipes/lock';

const [impl, connectString] = process.argv.slice(2);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The node data Curator and the Mutex write by default: this host's address.
function localAddress() {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
const DATA = Buffer.from(localAddress());

async function oursPeer() {
  const client = createClient({ connectString, sessionTimeoutMs: 30000 });
  await client.start({ timeoutMs: 30000 });
  const mutexes = new Map();
  const mutex = (path) => {
    if (!mutexes.has(path)) mutexes.set(path, new Mutex(client, path));
    return mutexes.get(path);
  };
  return {
    cycle: async (path) => {
      const lease = await mutex(path).acquire();
      await lease.release();
    },
    // Acquire, note the time, release until `endUs`; the critical section is empty.
    loop: async (path, endUs, ev) => {
      const m = mutex(path);
      while (nowUs() < endUs) {
        const lease = await m.acquire();
        const acquired = nowUs();
        ev.push(acquired, nowUs());
        await lease.release();
      }
    },
  };
}

async function rawPeer(pipelined) {
  const zookeeper = createRequire(import.meta.url)('node-zookeeper-client');
  const c = zookeeper.createClient(connectString, { sessionTimeout: 30000, retries: 0 });
  await new Promise((resolve) => {
    c.once('connected', resolve);
    c.connect();
  });
  const p = (fn) => new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v))));
  const mode = zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL;
  return {
    cycle: async (path) => {
      let node;
      if (pipelined) {
        const created = p((cb) => c.create(`${path}/lock-`, DATA, mode, cb));
        const listed = p((cb) => c.getChildren(path, cb));
        [node] = await Promise.all([created, listed]);
      } else {
        node = await p((cb) => c.create(`${path}/lock-`, DATA, mode, cb));
        await p((cb) => c.getChildren(path, cb));
      }
      await p((cb) => c.remove(node, -1, cb));
    },
  };
}

const peers = { ours: oursPeer, raw: () => rawPeer(true), 'raw-seq': () => rawPeer(false) };
if (!peers[impl]) throw new Error(`unknown peer ${impl}: ours, raw or raw-seq`);
const peer = await peers[impl]();

const commands = {
  async cycles(path, count) {
    const lat = [];
    const cpu0 = process.cpuUsage();
    const t0 = nowUs();
    for (let i = 0; i < Number(count); i++) {
      const s = nowUs();
      await peer.cycle(path);
      lat.push(nowUs() - s);
    }
    const us = nowUs() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { lat, us, cpuUs: cpu.user + cpu.system };
  },
  async contend(path, startUs, endUs) {
    return commands.inproc(path, 1, startUs, endUs);
  },
  async inproc(path, n, startUs, endUs) {
    if (!peer.loop) throw new Error(`${impl} has no lock loop`);
    await sleep(Math.max(0, (Number(startUs) - nowUs()) / 1000));
    const evs = Array.from({ length: Number(n) }, () => []);
    await Promise.all(evs.map((ev) => peer.loop(path, Number(endUs), ev)));
    return { ev: evs.flat() };
  },
};

process.stdin.on('end', () => process.exit(0));
const lines = readline.createInterface({ input: process.stdin });
console.log(JSON.stringify({ ready: true }));
// One command at a time, in order.
let chain = Promise.resolve();
lines.on('line', (line) => {
  const [op, ...args] = line.trim().split(/\s+/);
  chain = chain.then(async () => {
    try {
      if (!commands[op]) throw new Error(`unknown command ${op}`);
      console.log(JSON.stringify(await commands[op](...args)));
    } catch (e) {
      console.log(JSON.stringify({ error: String(e?.stack ?? e) }));
    }
  });
});
