// @zk-recipes/lock's Mutex against Curator's InterProcessMutex (Java), kazoo's Lock (Python) and
// the raw floor (node-zookeeper-client sending a lock cycle's requests and nothing else), on one
// server, in one run (issue 5's benchmark). Each peer runs in worker processes of its own
// language (bench/lock-node-worker.mjs, bench/java/CuratorLockBench.java,
// bench/kazoo_lock_bench.py); rounds rotate which peer goes first, so a noisy neighbour hurts
// all alike, and each round yields a paired ratio ours/peer per measure. We report the median of
// those ratios, with the medians and pooled p50/p99 beside them.
//
//   bash bench/setup.sh && node bench/lock-vs-peers.mjs
//
// The raw floor, twice: `raw (pipelined)` sends what the Mutex sends for an uncontended cycle
// (create EPHEMERAL_SEQUENTIAL with getChildren queued right behind it, then delete), so
// ours/raw is the cost of the recipe itself; `raw (sequential)` waits for each of the three.
//
// Settings (environment): LOCK_BENCH_ROUNDS (6), LOCK_BENCH_CYCLES (uncontended cycles per peer
// per round, 500, in LOCK_BENCH_SLICES (5) turns), LOCK_BENCH_CONTEND_MS (6000), LOCK_BENCH_INPROC_MS (2000), LOCK_BENCH_PROCS
// (contending processes, 8), LOCK_BENCH_ACQUIRERS (in one process, 64), LOCK_BENCH_WARMUP_CYCLES
// (2000), LOCK_BENCH_PEERS (raw,raw-seq,ours,curator,kazoo), LOCK_BENCH_FSYNC (1), ZK_CONNECT
// (host:port of a server to use instead of starting one).
import { execFileSync } from 'node:child_process';
import { createClient } from '@zk-recipes/core';
import { TestingServer } from '@zk-recipes/testing';
import { closePools, PYTHON, startPool } from './lock-workers.mjs';
import { handoffs, median, report } from './lock-report.mjs';

const env = (name, fallback) => Number(process.env[`LOCK_BENCH_${name}`] ?? fallback);
const ROUNDS = env('ROUNDS', 6);
const CYCLES = env('CYCLES', 500);
// 6 s, not 2: in 2 s phases ours handed off 1.12 to 1.42 times as often as Curator, in 6 s
// phases 0.98 to 1.08 times (bench/RESULTS.md, runs K to M): the longer phase is the steady
// state a service sees.
const CONTEND_MS = env('CONTEND_MS', 6000);
const INPROC_MS = env('INPROC_MS', 2000);
const PROCS = env('PROCS', 8);
const ACQUIRERS = env('ACQUIRERS', 64);
const WARMUP_CYCLES = env('WARMUP_CYCLES', 2000);
const SLICES = env('SLICES', 5);
const FSYNC = env('FSYNC', 1) !== 0;
const PEERS = (process.env.LOCK_BENCH_PEERS ?? 'raw,raw-seq,ours,curator,kazoo').split(',');
if (!PEERS.includes('ours')) throw new Error('LOCK_BENCH_PEERS must include ours');
const LOCKS = PEERS.filter((p) => ['ours', 'curator', 'kazoo'].includes(p)); // full lock recipes
// In one process, Curator twice: its threads sharing one InterProcessMutex (the lock's internal
// wait/notifyAll then wakes every waiting thread at each release, and each lists the children)
// and with one InterProcessMutex per thread (only the next in line wakes).
const IN_PROCESS = LOCKS.flatMap((p) => (p === 'curator' ? ['curator', 'curator-pt'] : [p]));
const COLUMNS = [...PEERS, ...IN_PROCESS.filter((p) => !PEERS.includes(p))];
const NAMES = {
  raw: 'raw (pipelined)',
  'raw-seq': 'raw (sequential)',
  ours: 'ours',
  curator: 'Curator',
  'curator-pt': 'Curator, a mutex per thread',
  kazoo: 'kazoo',
};

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const rotate = (xs, r) => xs.map((_, i) => xs[(i + r) % xs.length]);
const version = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return '?';
  }
};

const server = process.env.ZK_CONNECT
  ? undefined
  : await TestingServer.start({ forceSync: FSYNC, fastStart: false });
const connect = process.env.ZK_CONNECT ?? server.connectString;
const admin = createClient({ connectString: connect, sessionTimeoutMs: 30000 });
const pools = {};
const root = `/bench-lock-${process.pid}`;
const lockPath = (peer, measure) => `${root}/${peer}-${measure}`;

// figures[measure][peer] = { rates, p50s, cpu: [one per round], lat: [pooled, ms], overlaps }
const figures = { cycles: {}, contended: {}, inproc: {} };
const ratios = { cycles: {}, cyclesP50: {}, contended: {}, inproc: {} };
const record = (measure, peer, rate, lat, overlaps = 0, cpuPerOp = NaN) => {
  if (!measure) return; // warm-up
  const f = (figures[measure][peer] ??= { rates: [], p50s: [], lat: [], overlaps: 0, cpu: [] });
  f.rates.push(rate);
  f.p50s.push(median(lat));
  f.cpu.push(cpuPerOp);
  for (const x of lat) f.lat.push(x);
  f.overlaps += overlaps;
};

// One round of uncontended cycles, in slices that take turns, so that a burst of load from
// elsewhere on the machine lands on every peer alike rather than on whichever ran then.
async function cycles(round, peers, count, measure = 'cycles') {
  const sum = {};
  for (let s = 0; s < SLICES; s++) {
    for (const peer of rotate(peers, round + s)) {
      const n = Math.ceil(count / SLICES);
      const res = await pools[peer][0].send(`cycles ${lockPath(peer, 'cycles')} ${n}`);
      const t = (sum[peer] ??= { n: 0, us: 0, cpuUs: 0, lat: [] });
      t.n += n;
      t.us += res.us;
      t.cpuUs += res.cpuUs;
      for (const us of res.lat) t.lat.push(us / 1000);
    }
  }
  for (const [peer, t] of Object.entries(sum)) {
    record(measure, peer, t.n / (t.us / 1e6), t.lat, 0, t.cpuUs / t.n);
  }
}

// PROCS processes of one kind contend on one path, starting together.
async function contended(peer, ms, measure = 'contended') {
  const start = nowUs() + 500_000; // every worker has its command by then
  const end = start + ms * 1000;
  const line = `contend ${lockPath(peer, 'contended')} ${start} ${end}`;
  const res = await Promise.all(pools[peer].map((w) => w.send(line)));
  const h = handoffs(
    res.map((r) => r.ev),
    start,
    end,
  );
  record(measure, peer, h.perSecond, h.latencies, h.overlaps);
}

// ACQUIRERS acquirers (async loops or threads) on one client in one process.
async function inProcess(peer, ms, measure = 'inproc') {
  const start = nowUs() + 200_000;
  const end = start + ms * 1000;
  const pool = peer === 'curator-pt' ? 'curator' : peer;
  const mode = peer === 'curator-pt' ? ' per-thread' : '';
  const line = `inproc ${lockPath(peer, 'inproc')} ${ACQUIRERS} ${start} ${end}${mode}`;
  const res = await pools[pool][0].send(line);
  const h = handoffs([res.ev], start, end);
  record(measure, peer, h.perSecond, h.latencies, h.overlaps);
}

// The paired ratios of one round, for every peer measured: ours/peer of the rates, and for
// the uncontended cycles also peer/ours of the median cycle time (a ratio that the tail, most of
// it the machine's other load, does not move).
function paired(measure, round) {
  const ours = figures[measure].ours;
  for (const [peer, f] of Object.entries(figures[measure])) {
    if (peer === 'ours') continue;
    (ratios[measure][peer] ??= []).push(ours.rates[round] / f.rates[round]);
    if (measure === 'cycles')
      (ratios.cyclesP50[peer] ??= []).push(f.p50s[round] / ours.p50s[round]);
  }
}

async function removeTree(path) {
  for (const c of (await admin.getChildren(path)).children) await removeTree(`${path}/${c}`);
  await admin.delete(path);
}

try {
  await admin.start({ timeoutMs: 30000 });
  await admin.create(root);
  for (const peer of COLUMNS) {
    for (const m of ['cycles', 'contended', 'inproc']) await admin.create(lockPath(peer, m));
  }
  for (const peer of PEERS) {
    pools[peer] = await startPool(peer, connect, LOCKS.includes(peer) ? PROCS : 1);
  }
  // Warm-up: every process, the JVMs' JIT (the server's too), every code path measured.
  await cycles(0, PEERS, WARMUP_CYCLES, null);
  for (const peer of LOCKS) await contended(peer, 3000, null);
  for (const peer of IN_PROCESS) await inProcess(peer, 3000, null);
  for (let r = 0; r < ROUNDS; r++) {
    await cycles(r, PEERS, CYCLES);
    paired('cycles', r);
    for (const peer of rotate(LOCKS, r)) await contended(peer, CONTEND_MS);
    paired('contended', r);
    for (const peer of rotate(IN_PROCESS, r)) await inProcess(peer, INPROC_MS);
    paired('inproc', r);
    process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
  const kazoo = version(PYTHON, ['-c', 'import kazoo.version as v; print(v.__version__)']);
  const curator = version('dpkg-query', ['-W', '-f', '${Version}', 'libcurator-recipes-java']);
  const zk = version('dpkg-query', ['-W', '-f', '${Version}', 'zookeeper']);
  console.log(
    `\n@zk-recipes/lock vs peers: ${ROUNDS} rounds; per peer per round ${CYCLES} uncontended ` +
      `cycles, ${PROCS} processes for ${CONTEND_MS} ms, ${ACQUIRERS} in one process for ` +
      `${INPROC_MS} ms; fsync ${FSYNC ? 'on' : 'off'}. Node ${process.version}, ZooKeeper ` +
      `${zk}, Curator ${curator}, kazoo ${kazoo}. ${new Date().toISOString()}\n`,
  );
  report({ figures, ratios, columns: COLUMNS, names: NAMES, procs: PROCS, acquirers: ACQUIRERS });
} finally {
  await closePools(Object.values(pools)).catch(() => undefined);
  await removeTree(root).catch(() => undefined);
  await admin.close();
  await server?.close();
}
