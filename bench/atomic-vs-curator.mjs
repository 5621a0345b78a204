// @zk-recipes/atomic's AtomicLong against Curator's DistributedAtomicLong (Java), on one server,
// in one run (issue 18's benchmark): increments per second with PROCS processes contending on
// one counter, and with one process alone. Each side runs in processes of its own language
// (bench/atomic-node-worker.mjs, bench/java/CuratorAtomicBench.java), one client each, with the
// same retry policy (retry N times, S ms apart); rounds rotate which side goes first, and each
// round yields a paired ratio ours/Curator. Reported: per-round rates, medians, the median of
// the ratios. Each phase also checks the counter: its final value minus the increments the
// workers counted (must be 0; nothing is faulted here), and the CPU time per increment of the
// side's client processes and of the server (from /proc: Linux only).
//
//   bash bench/setup.sh && node bench/atomic-vs-curator.mjs
//
// Settings (environment): ATOMIC_BENCH_ROUNDS (5), ATOMIC_BENCH_MS (5000, each contended phase;
// the single-process phase is half), ATOMIC_BENCH_PROCS (8), ATOMIC_BENCH_RETRIES (1000),
// ATOMIC_BENCH_SLEEP_MS (0), ATOMIC_BENCH_FSYNC (1), ATOMIC_BENCH_WARMUP_MS (12000 per side, in
// contended turns of 3 s before the first round), ATOMIC_BENCH_PAUSE (1: the side not measured is
// stopped with SIGSTOP during the other's phase; 0 leaves it running, idle).
//
// Why the pause: on a 2-core machine the side that is not measured is not idle. Its processes
// keep running timers, pings and, for the JVMs, the JIT's and the collector's threads, and what
// they take is taken from the side measured. Each phase prints the CPU the other side used
// meanwhile (`other side`), so a run says how much that was.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from '@zk-recipes/core';
import { compileCuratorProgram, TestingServer } from '@zk-recipes/testing';

const env = (name, fallback) => Number(process.env[`ATOMIC_BENCH_${name}`] ?? fallback);
const ROUNDS = env('ROUNDS', 5);
const MS = env('MS', 5000);
const PROCS = env('PROCS', 8);
const RETRIES = env('RETRIES', 1000);
const SLEEP_MS = env('SLEEP_MS', 0);
const FSYNC = env('FSYNC', 1) !== 0;
const PAUSE = env('PAUSE', 1) !== 0;
const WARMUP_MS = env('WARMUP_MS', 12000);
const here = path.dirname(fileURLToPath(import.meta.url));
const PEERS = ['ours', 'curator'];

// CPU time (user + system, ms) a process has used so far, from /proc (Linux; 0 elsewhere).
const TICK_MS = 10; // USER_HZ is 100 on Linux
function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

const live = new Set();
process.once('exit', () => {
  for (const c of live) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
});

function worker(kind, connect) {
  const [cmd, args] =
    kind === 'ours'
      ? [process.execPath, [path.join(here, 'atomic-node-worker.mjs')]]
      : [
          'java',
          [
            '-cp',
            compileCuratorProgram(path.join(here, 'java', 'CuratorAtomicBench.java')),
            'CuratorAtomicBench',
          ],
        ];
  const child = spawn(cmd, [...args, connect, String(RETRIES), String(SLEEP_MS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  live.add(child);
  const waiting = [];
  readline.createInterface({ input: child.stdout }).on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise((r) => waiting.push(r));
  return {
    pid: child.pid,
    ready: next(),
    signal(sig) {
      try {
        process.kill(child.pid, sig);
      } catch {
        // gone: its phase reports it
      }
    },
    async run(p, ms, startAt) {
      const answer = next();
      child.stdin.write(`run ${p} ${ms} ${startAt}\n`);
      const [, count, failed] = (await answer).split(' ');
      return { count: Number(count), failed: Number(failed) };
    },
    quit() {
      child.stdin.end('quit\n');
      live.delete(child);
    },
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const server = await TestingServer.start({ forceSync: FSYNC, fastStart: false });
const admin = createClient({ connectString: server.connectString, sessionTimeoutMs: 30000 });
const pools = {};
try {
  await admin.start();
  for (const p of PEERS)
    pools[p] = Array.from({ length: PROCS }, () => worker(p, server.connectString));
  await Promise.all(PEERS.flatMap((p) => pools[p].map((w) => w.ready)));
  const root = `/bench-atomic-${process.pid}`;
  const phase = async (peer, name, procs, ms) => {
    const p = `${root}/${peer}-${name}`;
    const others = PEERS.filter((o) => o !== peer).flatMap((o) => pools[o]);
    if (PAUSE) for (const w of others) w.signal('SIGSTOP');
    const startAt = Date.now() + 300;
    const used = pools[peer].slice(0, procs);
    const cpu = (ws) => ws.reduce((a, w) => a + cpuMs(w.pid), 0);
    const [c0, s0, o0] = [cpu(used), cpuMs(server.pid), cpu(others)];
    const results = await Promise.all(used.map((w) => w.run(p, ms, startAt)));
    const [c1, s1, o1] = [cpu(used), cpuMs(server.pid), cpu(others)];
    if (PAUSE) for (const w of others) w.signal('SIGCONT');
    const counted = results.reduce((a, r) => a + r.count, 0);
    const failed = results.reduce((a, r) => a + r.failed, 0);
    const value = (await admin.getData(p)).data.readBigInt64BE(0);
    const drift = Number(value) - counted;
    await admin.delete(p, { deleteChildren: true }).catch(() => {});
    // CPU per increment, in µs: the clients' (all of this side's processes) and the server's.
    const per = (d) => Math.round((d * 1000) / Math.max(1, counted));
    return {
      rate: counted / (ms / 1000),
      failed,
      drift,
      client: per(c1 - c0),
      server: per(s1 - s0),
      other: o1 - o0, // ms of CPU the other side used during the phase
    };
  };
  // Warm-up (the JIT of the server's JVM and of Curator's, the servers' caches): contended
  // phases of each side, WARMUP_MS in all per side, in turns. With 2 s each, the rates of both
  // sides still climbed 2-3 times from the first round to the fifth (bench/RESULTS.md).
  for (let left = WARMUP_MS; left > 0; left -= 3000) {
    for (const p of PEERS) await phase(p, 'warmup', PROCS, Math.min(3000, left));
  }
  const figures = { contended: { ours: [], curator: [] }, single: { ours: [], curator: [] } };
  console.log(
    `AtomicLong vs DistributedAtomicLong: ${PROCS} processes, ${MS} ms phases, retryNTimes(${RETRIES}, ${SLEEP_MS}), fsync ${FSYNC}, other side ${PAUSE ? 'paused' : 'running'}`,
  );
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...PEERS].reverse() : PEERS;
    const line = [];
    for (const peer of order) {
      const c = await phase(peer, `c${r}`, PROCS, MS);
      const s = await phase(peer, `s${r}`, 1, MS / 2);
      figures.contended[peer].push(c.rate);
      figures.single[peer].push(s.rate);
      line.push(
        `${peer}: ${c.rate.toFixed(0)}/s contended (failed ${c.failed}, drift ${c.drift}, CPU/increment client ${c.client} µs server ${c.server} µs, other side ${c.other} ms), ${s.rate.toFixed(0)}/s alone (drift ${s.drift}, CPU client ${s.client} µs server ${s.server} µs)`,
      );
    }
    console.log(`round ${r + 1}: ${line.join('; ')}`);
  }
  for (const m of ['contended', 'single']) {
    const f = figures[m];
    const ratios = f.ours.map((o, i) => o / f.curator[i]);
    console.log(
      `${m}: median ours ${median(f.ours).toFixed(0)}/s, Curator ${median(f.curator).toFixed(0)}/s, median ratio ours/Curator ${median(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(' ')})`,
    );
  }
  await admin.delete(root, { deleteChildren: true }).catch(() => {});
} finally {
  for (const p of PEERS) for (const w of pools[p] ?? []) w.quit();
  await admin.close();
  await server.close();
}
