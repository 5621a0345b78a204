// Where a Node lock worker's CPU goes per hand-off: N processes (8) of
// bench/lock-node-worker.mjs contend on one path of one fresh server (fsync on), each under
// `node --cpu-prof`; afterwards the profiles are summed and printed by self time per function
// and per file, with CPU per hand-off. Not a comparison with peers (bench/lock-vs-peers.mjs).
//
//   node bench/lock-profile.mjs [peer (ours)] [--ms 6000] [--procs 8] [--work-ms N] [--top 40]
//
// Profiles are left in a fresh directory under the OS temp dir, printed at the end.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TestingServer } from '@zk-recipes/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const peer = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'ours';
const MS = arg('ms', 6000);
const PROCS = arg('procs', 8);
const WORK_MS = arg('work-ms', 0);
const TOP = arg('top', 40);
const INTERVAL_US = 200;
const dir = mkdtempSync(path.join(os.tmpdir(), 'lock-profile-'));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const server = await TestingServer.start({ forceSync: true, fastStart: false });
const children = [];
try {
  const workers = Array.from({ length: PROCS }, () => {
    const child = spawn(
      process.execPath,
      [
        '--cpu-prof',
        `--cpu-prof-interval=${INTERVAL_US}`,
        `--cpu-prof-dir=${dir}`,
        path.join(here, 'lock-node-worker.mjs'),
        peer,
        server.connectString,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(child);
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value);
    return { child, next };
  });
  for (const w of workers) await w.next(); // ready
  // Warm-up: a second of contention, not measured (the profiles include it: it is short).
  const start = nowUs() + 300_000;
  const end = start + MS * 1000;
  for (const w of workers)
    w.child.stdin.write(`contend /bench/p ${start} ${end} ${WORK_MS * 1000}\n`);
  const results = await Promise.all(workers.map((w) => w.next()));
  for (const w of workers) w.child.stdin.end();
  await Promise.all(workers.map((w) => new Promise((r) => w.child.once('exit', r))));
  const grants = results.reduce((n, r) => n + r.ev.length / 2, 0);
  const cpuUs = results.reduce((n, r) => n + r.cpuUs, 0);
  console.log(
    `${peer}: ${PROCS} processes, ${MS} ms: ${grants} hand-offs (${((grants * 1000) / MS).toFixed(0)}/s), ` +
      `clients' CPU ${(cpuUs / 1000 / grants).toFixed(3)} ms per hand-off; load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  summarise(dir, grants, start, end);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await server.close();
}

function summarise(dir, grants, startUs, endUs) {
  // Only the samples taken inside the contended window (V8's profile clock is CLOCK_MONOTONIC,
  // as process.hrtime is), without (idle): start-up and module loading are not per hand-off.
  const byFn = new Map();
  const byFile = new Map();
  const inclusive = new Map();
  let total = 0;
  const fileOf = (cf) =>
    (cf.url || '(native)')
      .replace(/^file:\/\//, '')
      .replace(/.*\/node_modules\/(\.pnpm\/)?/, 'nm/')
      .replace(/.*\/packages\//, 'pkg/');
  const fnOf = (cf) => `${cf.functionName || '(anon)'} ${fileOf(cf)}:${cf.lineNumber + 1}`;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const prof = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    let t = prof.startTime;
    for (let i = 0; i < prof.samples.length; i++) {
      t += prof.timeDeltas[i] ?? 0;
      // A sample stands for one interval of CPU: the time to the next sample would count the
      // time this process waited for a CPU too, on a busy machine.
      const us = INTERVAL_US;
      if (t < startUs || t > endUs) continue;
      const cf = nodes.get(prof.samples[i]).callFrame;
      if (cf.functionName === '(idle)') continue;
      byFn.set(fnOf(cf), (byFn.get(fnOf(cf)) ?? 0) + us);
      byFile.set(fileOf(cf), (byFile.get(fileOf(cf)) ?? 0) + us);
      total += us;
      const seen = new Set();
      for (let id = prof.samples[i]; id !== undefined; id = parent.get(id)) {
        const k = fnOf(nodes.get(id).callFrame);
        if (seen.has(k)) continue;
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + us);
      }
    }
  }
  const show = (title, m, n) => {
    console.log(`\n${title} (µs per hand-off, % of busy samples)`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(
        `${(us / grants).toFixed(1).padStart(8)} ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
      );
    }
  };
  console.log(`busy samples in the window: ${(total / grants).toFixed(1)} µs per hand-off`);
  show('self time by file', byFile, 25);
  show('self time by function', byFn, TOP);
  show('total time by function', inclusive, TOP);
  console.log(`\nprofiles: ${dir}`);
}
