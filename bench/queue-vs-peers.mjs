// @zk-recipes/queue's DistributedQueue against Curator's DistributedQueue (Java) and kazoo's Queue
// and LockingQueue (Python), on one server, in one run (issue 16's benchmark). Each peer runs
// each measure in a fresh process of its own language (bench/queue-node-worker.mjs,
// bench/java/CuratorQueueBench.java, bench/kazoo_queue_bench.py); rounds rotate which peer goes
// first, and each round yields a ratio ours/peer per measure; we print the median of those
// ratios beside the medians.
//
//   bash bench/setup.sh && node bench/queue-vs-peers.mjs
//
// Measures: put throughput with 1 and 8 producers (each put awaits its create; Curator with
// putInBackground(false), since its default background put returns before anything is stored);
// drain time of a queue already holding QUEUE_BENCH_DRAIN items with 1 and 4 consumers (each
// consumer its own client), at least once (ours; Curator lock-safe; kazoo LockingQueue) and at
// most once (ours; Curator without a lock path; kazoo Queue); put -> handler latency on an idle
// queue (at least once), one item at a time.
//
// Settings (environment): QUEUE_BENCH_ROUNDS (3), QUEUE_BENCH_PUTS (2000), QUEUE_BENCH_DRAIN
// (10000), QUEUE_BENCH_SAMPLES (200), QUEUE_BENCH_MEASURES (all), QUEUE_BENCH_FSYNC (1),
// QUEUE_BENCH_WARMUP (1: one unmeasured put run per peer before the rounds).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@zk-recipes/core';
import { encodeFrame } from '@zk-recipes/queue';
import { compileCuratorProgram, TestingServer } from '@zk-recipes/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = (name, fallback) => Number(process.env[`QUEUE_BENCH_${name}`] ?? fallback);
const ROUNDS = env('ROUNDS', 3);
const PUTS = env('PUTS', 2000);
const DRAIN = env('DRAIN', 10000);
const SAMPLES = env('SAMPLES', 200);
const WARMUP = env('WARMUP', 1) !== 0;
const FSYNC = env('FSYNC', 1) !== 0;
const PYTHON = '/usr/bin/python3';
const javaCp = compileCuratorProgram(path.join(here, 'java', 'CuratorQueueBench.java'));

const MEASURES = [
  ['put-1', 'put, 1 producer (items/s)'],
  ['put-8', 'put, 8 producers (items/s)'],
  ['drain-alo-1', `drain ${DRAIN}, at least once, 1 consumer (s)`],
  ['drain-alo-4', `drain ${DRAIN}, at least once, 4 consumers (s)`],
  ['drain-amo-1', `drain ${DRAIN}, at most once, 1 consumer (s)`],
  ['drain-amo-4', `drain ${DRAIN}, at most once, 4 consumers (s)`],
  ['latency', 'put -> handler, at least once (ms p50 / p99)'],
].filter(([m]) => (process.env.QUEUE_BENCH_MEASURES ?? m).split(',').includes(m));
const PEERS = ['ours', 'curator', 'kazoo'];

const server = await TestingServer.start({ forceSync: FSYNC, fastStart: false });
const connect = server.connectString;
const admin = createClient({ connectString: connect, sessionTimeoutMs: 30000 });
await admin.start();
const root = `/bench-queue-${process.pid}`;
let serial = 0;

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 900_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      const line = stdout.trim().split('\n').pop();
      resolve(JSON.parse(line));
    });
  });
}

function worker(peer, args, kazooKind) {
  if (peer === 'ours')
    return run(process.execPath, [path.join(here, 'queue-node-worker.mjs'), connect, ...args]);
  if (peer === 'curator')
    return run('java', ['-cp', javaCp, 'CuratorQueueBench', connect, ...args]);
  return run(PYTHON, [
    path.join(here, 'kazoo_queue_bench.py'),
    connect,
    ...args,
    ...(kazooKind ? [kazooKind] : []),
  ]);
}

/** Fills a queue with `n` items in the peer's own layout, 200 creates in flight (not measured). */
async function fill(peer, delivery, n) {
  const p = `${root}/q${serial++}`;
  let parent = p;
  let name = 'queue-';
  if (peer === 'kazoo') {
    name = 'entry-100-';
    if (delivery === 'at-least-once') {
      await admin.create(`${p}/taken`, '', { createParents: true });
      parent = `${p}/entries`;
    }
  }
  await admin.create(parent, '', { createParents: true });
  let next = 0;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      for (let i; (i = next++) < n;) {
        const item = Buffer.from(`item-${i}`);
        const data = peer === 'kazoo' ? item : encodeFrame([item]);
        await admin.create(`${parent}/${name}`, data, { mode: 'PERSISTENT_SEQUENTIAL' });
      }
    }),
  );
  return p;
}

async function measure(m, peer) {
  if (m.startsWith('put-')) {
    const p = `${root}/q${serial++}`;
    if (peer === 'kazoo') await admin.create(p, '', { createParents: true });
    const { us } = await worker(peer, ['put', p, m.slice(4), `${PUTS}`], 'queue');
    return { value: (PUTS / us) * 1e6 };
  }
  if (m.startsWith('drain-')) {
    const delivery = m.includes('alo') ? 'at-least-once' : 'at-most-once';
    const p = await fill(peer, delivery, DRAIN);
    const { us } = await worker(peer, ['drain', p, delivery, m.slice(-1), `${DRAIN}`]);
    return { value: us / 1e6 };
  }
  const p = `${root}/q${serial++}`;
  if (peer === 'kazoo') await admin.create(p, '', { createParents: true });
  const { latUs } = await worker(peer, ['latency', p, `${SAMPLES}`], 'locking');
  const q = (f) => latUs[Math.min(latUs.length - 1, Math.floor(f * latUs.length))] / 1000;
  return { value: q(0.5), p99: q(0.99) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
};
const results = {}; // results[m][peer] = [{value, p99}]
const ratios = {}; // ratios[m][peer] = [ours/peer per round, > 1 means ours is better]
try {
  // Not measured: every peer puts once first, so the server's JIT and caches are warm before
  // the first measure (a peer going first in a one-round run otherwise paid for it alone: put,
  // 1 producer, came out 0.64 to 0.73 of Curator whenever ours went first, 1.1 otherwise).
  for (const peer of WARMUP ? PEERS : []) await measure('put-1', peer);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [m] of MEASURES) {
      const order = PEERS.map((_, i) => PEERS[(i + r) % PEERS.length]);
      const round = {};
      for (const peer of order) {
        round[peer] = await measure(m, peer);
        ((results[m] ??= {})[peer] ??= []).push(round[peer]);
        process.stderr.write(`round ${r + 1} ${m} ${peer}: ${JSON.stringify(round[peer])}\n`);
      }
      for (const peer of PEERS.slice(1)) {
        const better = m.startsWith('put-')
          ? round.ours.value / round[peer].value
          : round[peer].value / round.ours.value;
        ((ratios[m] ??= {})[peer] ??= []).push(better);
      }
    }
    await admin.delete(root, { deleteChildren: true }).catch(() => undefined);
  }
} finally {
  await admin.close();
  await server.close();
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
console.log(
  `\n${ROUNDS} rounds; ratios > 1: ours better (throughput ours/peer, times peer/ours)\n`,
);
console.log('| measure | ours | Curator | kazoo | vs Curator | vs kazoo |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [m, label] of MEASURES) {
  const cell = (peer) => {
    const rs = results[m][peer];
    const v = fmt(median(rs.map((x) => x.value)));
    return m === 'latency' ? `${v} / ${fmt(median(rs.map((x) => x.p99)))}` : v;
  };
  const ratio = (peer) =>
    `${fmt(median(ratios[m][peer]))} (${ratios[m][peer].map((x) => fmt(x)).join(', ')})`;
  console.log(
    `| ${label} | ${cell('ours')} | ${cell('curator')} | ${cell('kazoo')} | ${ratio('curator')} | ${ratio('kazoo')} |`,
  );
}
