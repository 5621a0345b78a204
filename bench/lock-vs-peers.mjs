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
// The floor of a hand-off: one raw client deleting a node and a second raw client receiving the
// deletion's notification (`floor` rows: from the delete call to the notification, in the raw
// worker's process). No contender can hand off faster than that on this server: each peer's
// release→next acquire p50 is printed against it, and its hand-offs/s against 1000 / floor p50.
// Each contended phase also reads the server's `mntr` before and after: fsyncs and transactions
// per hand-off, the mean fsync, and how long a write waited for the log (group commit); and
// the clients' CPU (each worker's count) and wake-ups (from /proc: voluntary context switches
// of every thread of the peer's processes) per hand-off.
//
// --work-ms N: every contended phase runs twice, once as before (each process acquires again at
// once) and once with N ms between a process's release and its next acquire (a timer: work
// that is not the CPU's, as a request to another service), so a loop that comes back at once is
// not the only shape measured.
//
// Settings (environment): LOCK_BENCH_ROUNDS (6), LOCK_BENCH_CYCLES (uncontended cycles per peer
// per round, 500, in LOCK_BENCH_SLICES (5) turns), LOCK_BENCH_CONTEND_MS (6000), LOCK_BENCH_INPROC_MS (2000), LOCK_BENCH_PROCS
// (contending processes, 8), LOCK_BENCH_ACQUIRERS (in one process, 64), LOCK_BENCH_WARMUP_CYCLES
// (2000), LOCK_BENCH_PEERS (raw,raw-seq,ours,curator,kazoo; ours-kN adds ours with
// watchAhead N; ours-base adds ours as built in another checkout, LOCK_BENCH_BASE (a directory
// holding a built copy of this repository), to compare a change with what it changes),
// LOCK_BENCH_FSYNC (1),
// LOCK_BENCH_MEASURES (cycles,contended,inproc: the phases to run; the floor always runs with
// raw), LOCK_BENCH_FLOOR (delete→notification samples per round, 300), ZK_CONNECT (host:port
// of a server to use instead of starting one).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { createClient, fourLetterWord } from '@zk-recipes/core';
import { TestingServer } from '@zk-recipes/testing';
import { closePools, PYTHON, startPool } from './lock-workers.mjs';
import { handoffs, median, report, returningCreates } from './lock-report.mjs';

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
const FLOOR = env('FLOOR', 300);
const workArg = process.argv.indexOf('--work-ms');
const WORK_MS = workArg < 0 ? 0 : Number(process.argv[workArg + 1]);
if (!(WORK_MS >= 0)) throw new Error('--work-ms must be a number of ms >= 0');
const MEASURES = (process.env.LOCK_BENCH_MEASURES ?? 'cycles,contended,inproc').split(',');
const PEERS = (process.env.LOCK_BENCH_PEERS ?? 'raw,raw-seq,ours,curator,kazoo').split(',');
if (!PEERS.includes('ours')) throw new Error('LOCK_BENCH_PEERS must include ours');
// Full lock recipes; ours-kN is ours with watchAhead N (ours-k1: the predecessor alone).
const LOCKS = PEERS.filter(
  (p) => ['ours', 'ours-base', 'curator', 'kazoo'].includes(p) || /^ours-k\d+$/.test(p),
);
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
  'ours-base': 'ours, base build',
};
for (const p of PEERS) NAMES[p] ??= p.replace(/^ours-k(\d+)$/, 'ours, watchAhead $1');

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
const figures = { cycles: {}, contended: {}, worked: {}, inproc: {}, floor: {} };
const ratios = { cycles: {}, cyclesP50: {}, contended: {}, worked: {}, inproc: {} };
const record = (measure, peer, rate, lat, overlaps = 0, cpuPerOp = NaN) => {
  if (!measure) return; // warm-up
  const f = (figures[measure][peer] ??= {
    rates: [],
    p50s: [],
    lat: [],
    overlaps: 0,
    cpu: [],
    server: [],
    creates: { before: [], after: [] },
  });
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

/** The server's mntr figures, as numbers. */
async function mntr() {
  const { text } = await fourLetterWord(connect, 'mntr');
  const m = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.split('\t');
    if (k && v !== undefined && Number.isFinite(Number(v))) m[k.replace(/^zk_/, '')] = Number(v);
  }
  return m;
}

/** CPU time so far (ms): the server's process (from /proc) and the whole machine's busy time. */
function cpuNow() {
  const tick = 10; // ms: USER_HZ is 100 on Linux
  let serverMs = NaN;
  try {
    const f = readFileSync(`/proc/${server?.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    serverMs = (Number(f[11]) + Number(f[12])) * tick; // utime, stime
  } catch {
    // no local server (ZK_CONNECT)
  }
  const [, ...t] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = t.map(Number);
  const all = n.reduce((a, b) => a + b, 0);
  const idle = n[3] + n[4]; // idle, iowait
  return { serverMs, busyMs: (all - idle) * tick, allMs: all * tick };
}

/**
 * How often the processes `pids` were woken so far: the voluntary context switches of all their
 * threads (each time a thread slept, on its event loop's poll or a lock, and was woken again).
 */
function wakeupsNow(pids) {
  let n = 0;
  for (const pid of pids) {
    let tasks;
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return NaN; // not Linux, or the process is gone
    }
    for (const t of tasks) {
      try {
        const m = /voluntary_ctxt_switches:\s+(\d+)/.exec(
          readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'),
        );
        n += Number(m?.[1] ?? 0);
      } catch {
        // a thread that ended meanwhile
      }
    }
  }
  return n;
}

/** What the server did per hand-off between two mntr readings. */
function serverFigures(a, b, grants) {
  const d = (k) => (b[k] ?? NaN) - (a[k] ?? NaN);
  return {
    fsyncs: d('cnt_fsynctime') / grants,
    txns: d('sum_sync_processor_batch_size') / grants,
    fsyncMs: d('sum_fsynctime') / d('cnt_fsynctime'),
    queueMs: d('sum_sync_processor_queue_time_ms') / d('cnt_sync_processor_queue_time_ms'),
  };
}

// PROCS processes of one kind contend on one path, starting together; with `workUs`, each waits
// that long between its release and its next acquire.
async function contended(peer, ms, measure = 'contended', workUs = 0) {
  const start = nowUs() + 500_000; // every worker has its command by then
  const end = start + ms * 1000;
  const line = `contend ${lockPath(peer, measure ?? 'contended')} ${start} ${end} ${workUs}`;
  const before = await mntr();
  const pids = pools[peer].map((w) => w.child.pid);
  const cpu0 = cpuNow();
  const woken0 = wakeupsNow(pids);
  const res = await Promise.all(pools[peer].map((w) => w.send(line)));
  const woken1 = wakeupsNow(pids);
  const cpu1 = cpuNow();
  const after = await mntr();
  const h = handoffs(
    res.map((r) => r.ev),
    start,
    end,
  );
  // Every grant of the phase, the ramp and the tail too: mntr counted their writes.
  const grants = res.reduce((n, r) => n + r.ev.length / 2, 0);
  record(measure, peer, h.perSecond, h.latencies, h.overlaps);
  if (measure) {
    const c = returningCreates(
      res.map((r) => r.ev),
      res.map((r) => r.rel),
      start,
      end,
    );
    figures[measure][peer].creates.before.push(...c.before);
    figures[measure][peer].creates.after.push(...c.after);
    const clientMs = res.reduce((n, r) => n + (r.cpuUs ?? NaN), 0) / 1000;
    figures[measure][peer].server.push({
      ...serverFigures(before, after, grants),
      clientCpuMs: clientMs / grants,
      wakeups: (woken1 - woken0) / grants,
      serverCpuMs: (cpu1.serverMs - cpu0.serverMs) / grants,
      machineCpuMs: (cpu1.busyMs - cpu0.busyMs) / grants,
      busy: (cpu1.busyMs - cpu0.busyMs) / (cpu1.allMs - cpu0.allMs),
    });
  }
}

// The floor: delete → notification between two raw clients.
async function floor() {
  const res = await pools.raw[0].send(`floor ${lockPath('raw', 'floor')} ${FLOOR}`);
  const lat = res.lat.map((us) => us / 1000);
  record('floor', 'raw', 1000 / median(lat), lat);
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
    for (const m of ['cycles', 'contended', 'worked', 'inproc', 'floor'])
      await admin.create(lockPath(peer, m));
  }
  for (const peer of PEERS) {
    pools[peer] = await startPool(peer, connect, LOCKS.includes(peer) ? PROCS : 1);
  }
  // Warm-up: every process, the JVMs' JIT (the server's too), every code path measured.
  const does = (m) => MEASURES.includes(m);
  if (does('cycles')) await cycles(0, PEERS, WARMUP_CYCLES, null);
  for (const peer of LOCKS) await contended(peer, 3000, null);
  if (does('inproc')) for (const peer of IN_PROCESS) await inProcess(peer, 3000, null);
  for (let r = 0; r < ROUNDS; r++) {
    if (pools.raw) await floor();
    if (does('cycles')) {
      await cycles(r, PEERS, CYCLES);
      paired('cycles', r);
    }
    if (does('contended')) {
      for (const peer of rotate(LOCKS, r)) await contended(peer, CONTEND_MS);
      paired('contended', r);
      if (WORK_MS > 0) {
        for (const peer of rotate(LOCKS, r + 1)) {
          await contended(peer, CONTEND_MS, 'worked', WORK_MS * 1000);
        }
        paired('worked', r);
      }
    }
    if (does('inproc')) {
      for (const peer of rotate(IN_PROCESS, r)) await inProcess(peer, INPROC_MS);
      paired('inproc', r);
    }
    process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
  const kazoo = version(PYTHON, ['-c', 'import kazoo.version as v; print(v.__version__)']);
  const curator = version('dpkg-query', ['-W', '-f', '${Version}', 'libcurator-recipes-java']);
  const zk = version('dpkg-query', ['-W', '-f', '${Version}', 'zookeeper']);
  console.log(
    `\n@zk-recipes/lock vs peers: ${ROUNDS} rounds; per peer per round ${CYCLES} uncontended ` +
      `cycles, ${PROCS} processes for ${CONTEND_MS} ms, ${ACQUIRERS} in one process for ` +
      `${INPROC_MS} ms; ${WORK_MS} ms of work between acquisitions in the second contended ` +
      `phase; fsync ${FSYNC ? 'on' : 'off'}; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}. Node ${process.version}, ZooKeeper ` +
      `${zk}, Curator ${curator}, kazoo ${kazoo}. ${new Date().toISOString()}\n`,
  );
  report({
    figures,
    ratios,
    columns: COLUMNS,
    names: NAMES,
    procs: PROCS,
    acquirers: ACQUIRERS,
    workMs: WORK_MS,
  });
} finally {
  await closePools(Object.values(pools)).catch(() => undefined);
  await removeTree(root).catch(() => undefined);
  await admin.close();
  await server?.close();
}
