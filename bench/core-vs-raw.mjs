// Core against the raw node-zookeeper-client, on one server, in one run (issue 3's benchmark).
// Rounds alternate between the two so a noisy neighbour hurts both alike. Each round yields a
// paired ratio core/raw per measure; we report the median of those ratios (drift, such as the
// JVM warming up, cancels within a round), with pooled medians and p99 beside them. The in-flight
// phase also reports the client's CPU per pair (process.cpuUsage, user + system): on a shared
// machine it moves far less than throughput, which the server's share of the CPU also sets.
// Usage: node bench/core-vs-raw.mjs [--rounds N] [--ops N] [--no-fsync] [--connect host:port]
import { createRequire } from 'node:module';
import { createClient } from '@zk-recipes/core';
import { TestingServer } from '@zk-recipes/testing';

const require = createRequire(import.meta.url);
const zookeeper = require('node-zookeeper-client');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const ROUNDS = Number(arg('--rounds', 10));
const OPS = Number(arg('--ops', 400));
const FSYNC = !process.argv.includes('--no-fsync');

const server = arg('--connect')
  ? undefined
  : await TestingServer.start({ forceSync: FSYNC, fastStart: false });
const connectString = arg('--connect') ?? server.connectString;

function rawClient() {
  const c = zookeeper.createClient(connectString, { sessionTimeout: 30000, retries: 0 });
  return new Promise((resolve) => {
    c.once('connected', () => resolve(c));
    c.connect();
  });
}
const p = (fn) => new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v))));

const raw = await rawClient();
const core = createClient({ connectString, sessionTimeoutMs: 30000 });
await core.start();
const root = `/bench-${process.pid}`;
await core.create(root, 'x'.repeat(100));

const impls = {
  raw: {
    pair: async (path) => {
      await p((cb) => raw.create(path, Buffer.alloc(0), zookeeper.CreateMode.PERSISTENT, cb));
      await p((cb) => raw.remove(path, -1, cb));
    },
    getData: () => p((cb) => raw.getData(root, undefined, cb)),
    exists: () => p((cb) => raw.exists(root, undefined, cb)),
  },
  core: {
    pair: async (path) => {
      await core.create(path);
      await core.delete(path);
    },
    getData: () => core.getData(root),
    exists: () => core.exists(root),
  },
};

const samples = {};
const add = (k, v) => (samples[k] ??= []).push(v);
const throughput = {};
const cpuPerPair = {};

const roundRatios = {};
const q = (xs, f) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(f * s.length))];
};
const med = (xs) => q(xs, 0.5);

async function sequential(name, impl, op) {
  const mine = [];
  for (let i = 0; i < OPS; i++) {
    const t0 = process.hrtime.bigint();
    await impl[op](`${root}/${name}-${i}`);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    add(`${op}:${name}`, ms);
    mine.push(ms);
  }
  return med(mine);
}

async function inFlight(name, impl, n = 100, total = 2000) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const worker = async (w) => {
    while (next < total) {
      const i = next++;
      await impl.pair(`${root}/f-${name}-${w}-${i}`);
    }
  };
  await Promise.all(Array.from({ length: n }, (_, w) => worker(w)));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  (throughput[name] ??= []).push(total / secs);
  (cpuPerPair[name] ??= []).push((cpu.user + cpu.system) / total);
  return { perSec: total / secs, cpuUs: (cpu.user + cpu.system) / total };
}

// Warm-up, both (the JVM's JIT too).
for (const name of ['raw', 'core']) {
  for (let i = 0; i < 1000; i++) await impls[name].pair(`${root}/w-${name}-${i}`);
  await inFlight(`w${name}`, impls[name]);
}

for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['raw', 'core'] : ['core', 'raw'];
  for (const op of ['pair', 'getData', 'exists']) {
    const m = {};
    for (const name of order) m[name] = await sequential(name, impls[name], op);
    (roundRatios[op] ??= []).push(m.core / m.raw);
  }
  const t = {};
  for (const name of order) t[name] = await inFlight(name, impls[name]);
  (roundRatios.inflight ??= []).push(t.core.perSec / t.raw.perSec);
  (roundRatios.cpu ??= []).push(t.core.cpuUs / t.raw.cpuUs);
}

const rows = [];
for (const op of ['pair', 'getData', 'exists']) {
  const r = samples[`${op}:raw`];
  const c = samples[`${op}:core`];
  rows.push({
    measure: op === 'pair' ? 'create+delete (ms)' : `${op} (ms)`,
    'raw p50': med(r).toFixed(3),
    'core p50': med(c).toFixed(3),
    'core/raw (median of rounds)': med(roundRatios[op]).toFixed(3),
    'raw p99': q(r, 0.99).toFixed(3),
    'core p99': q(c, 0.99).toFixed(3),
  });
}
rows.push({
  measure: '100 in flight (pairs/s, median of rounds)',
  'raw p50': med(throughput.raw).toFixed(0),
  'core p50': med(throughput.core).toFixed(0),
  'core/raw (median of rounds)': med(roundRatios.inflight).toFixed(3),
  'raw p99': '',
  'core p99': '',
});
rows.push({
  measure: 'client CPU per pair, 100 in flight (µs)',
  'raw p50': med(cpuPerPair.raw).toFixed(1),
  'core p50': med(cpuPerPair.core).toFixed(1),
  'core/raw (median of rounds)': med(roundRatios.cpu).toFixed(3),
  'raw p99': '',
  'core p99': '',
});
console.log(
  `core vs raw node-zookeeper-client 1.1.3: ${ROUNDS} rounds x ${OPS} ops, fsync ${FSYNC ? 'on' : 'off'}, ` +
    `${new Date().toISOString()}`,
);
console.table(rows);

for (const c of (await core.getChildren(root)).children) await core.delete(`${root}/${c}`);
await core.delete(root);
raw.close();
await core.close();
await server?.close();
