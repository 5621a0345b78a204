// A Node lock worker for bench/lock-vs-peers.mjs, the twin of bench/java/CuratorLockBench.java
// and bench/kazoo_lock_bench.py. Usage: node bench/lock-node-worker.mjs <peer> <connect>, with
// <peer> one of:
//   ours     Mutex from @zk-recipes/lock on a client from @zk-recipes/core
//   ours-kN  the same Mutex with watchAhead N (ours-k1: each waiter watches its predecessor
//            alone, as Curator's do)
//   raw      node-zookeeper-client 1.1.3: create EPHEMERAL_SEQUENTIAL with getChildren queued
//            right behind it (the requests the Mutex sends), then delete
//   raw-seq  the same three requests one after the other
// Reads commands on stdin, one a line, and answers each with one JSON line on stdout:
//   cycles <path> <count>                  -> {"lat":[µs per acquire+release],"us":total µs,
//                                             "cpuUs":this process's CPU time meanwhile}
//   contend <path> <startUs> <endUs> [workUs]
//                                          -> {"ev":[acquiredUs,releasingUs,...],
//                                             "rel":[releasedUs,...],"cpuUs":n} (rel: when each
//                                             release returned, the next acquire's create leaving);
//                                             with workUs,
//                                             each loop waits that long (a timer: work that is
//                                             not the CPU's, as a request elsewhere) between its
//                                             release and its next acquire
//   floor <path> <count>                   -> {"lat":[µs]} (raw only): the limit of a hand-off,
//                                             one client deleting a node and a second client
//                                             receiving the deletion's notification, from the
//                                             delete call to the notification, `count` times
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

async function oursPeer(watchAhead) {
  const client = createClient({ connectString, sessionTimeoutMs: 30000 });
  await client.start({ timeoutMs: 30000 });
  const mutexes = new Map();
  const mutex = (path) => {
    if (!mutexes.has(path)) mutexes.set(path, new Mutex(client, path, { watchAhead }));
    return mutexes.get(path);
  };
  return {
    cycle: async (path) => {
      const lease = await mutex(path).acquire();
      await lease.release();
    },
    // Acquire, note the time, release until `endUs`; the critical section is empty.
    loop: async (path, endUs, ev, workUs, rel) => {
      const m = mutex(path);
      while (nowUs() < endUs) {
        const lease = await m.acquire();
        const acquired = nowUs();
        ev.push(acquired, nowUs());
        await lease.release();
        rel.push(nowUs()); // the next acquire's create leaves now
        if (workUs > 0) await sleep(workUs / 1000);
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
    floor: async (path, count) => {
      const b = zookeeper.createClient(connectString, { sessionTimeout: 30000, retries: 0 });
      await new Promise((resolve) => {
        b.once('connected', resolve);
        b.connect();
      });
      const lat = [];
      try {
        for (let i = 0; i < count; i++) {
          const node = `${path}/floor-${i}`;
          await p((cb) => c.create(node, DATA, zookeeper.CreateMode.EPHEMERAL, cb));
          let notified;
          const deleted = new Promise((r) => (notified = r));
          // getData, as the contenders watch: the watch fires with the deletion.
          await p((cb) => b.getData(node, () => notified(nowUs()), cb));
          const t0 = nowUs();
          c.remove(node, -1, () => undefined);
          lat.push((await deleted) - t0);
        }
      } finally {
        b.close();
      }
      return lat;
    },
  };
}

const peers = { ours: oursPeer, raw: () => rawPeer(true), 'raw-seq': () => rawPeer(false) };
const ahead = /^ours-k(\d+)$/.exec(impl);
if (!peers[impl] && !ahead) throw new Error(`unknown peer ${impl}: ours, ours-kN, raw or raw-seq`);
const peer = ahead ? await oursPeer(Number(ahead[1])) : await peers[impl]();

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
  async contend(path, startUs, endUs, workUs = '0') {
    return commands.inproc(path, 1, startUs, endUs, workUs);
  },
  async inproc(path, n, startUs, endUs, workUs = '0') {
    if (!peer.loop) throw new Error(`${impl} has no lock loop`);
    await sleep(Math.max(0, (Number(startUs) - nowUs()) / 1000));
    const evs = Array.from({ length: Number(n) }, () => []);
    const rels = evs.map(() => []);
    const cpu0 = process.cpuUsage();
    await Promise.all(
      evs.map((ev, i) => peer.loop(path, Number(endUs), ev, Number(workUs), rels[i])),
    );
    const cpu = process.cpuUsage(cpu0);
    return { ev: evs.flat(), rel: rels.flat(), cpuUs: cpu.user + cpu.system };
  },
  async floor(path, count) {
    if (!peer.floor) throw new Error(`${impl} has no floor`);
    return { lat: await peer.floor(path, Number(count)) };
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
