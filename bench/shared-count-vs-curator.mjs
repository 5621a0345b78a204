// @zk-recipes/atomic's SharedCount against Curator's SharedCount (Java), on one server, in one
// run (issue 18's benchmark): how long after a write of the count the follower in another
// process sees the new value (its change listener / changes() iterator). The writer is a plain
// client in this process; each follower runs in a process of its own language
// (bench/shared-count-node-worker.mjs, bench/java/CuratorSharedCountBench.java), each on a node
// of its own. The writer interleaves its writes: one to ours' node, half a gap later one to
// Curator's (in random order within each pair), so only one follower is woken at a time and
// both sample the machine's conditions of the same seconds; each round yields a paired ratio
// ours/Curator of the p50s. (SHARED_BENCH_MODE=phases runs the sides one after the other
// instead, as the first runs in bench/RESULTS.md did: a round of one side, then of the other,
// which lets a few seconds of a noisy neighbour land on one side only.) The written count is
// the writer's wall clock in µs modulo 2^31.
//
//   bash bench/setup.sh && node bench/shared-count-vs-curator.mjs
//
// Settings (environment): SHARED_BENCH_ROUNDS (5), SHARED_BENCH_WRITES (200 per side and round),
// SHARED_BENCH_GAP_MS (20, plus 0-10 ms of jitter between writes), SHARED_BENCH_FSYNC (0: the
// server's fsync is off by default, as its time is in every figure and is not what is compared),
// SHARED_BENCH_MODE (interleaved), SHARED_BENCH_PEERS (ours,curator,core,raw: ours and curator always).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createClient } from '@zk-recipes/core';
import { compileCuratorProgram, TestingServer } from '@zk-recipes/testing';

const env = (name, fallback) => Number(process.env[`SHARED_BENCH_${name}`] ?? fallback);
const ROUNDS = env('ROUNDS', 5);
const WRITES = env('WRITES', 200);
const GAP_MS = env('GAP_MS', 20);
const FSYNC = env('FSYNC', 0) !== 0;
const MODE = process.env.SHARED_BENCH_MODE ?? 'interleaved';
if (!['interleaved', 'phases'].includes(MODE))
  throw new Error('SHARED_BENCH_MODE: interleaved or phases');
const here = path.dirname(fileURLToPath(import.meta.url));
// Two floors in Node: `core`, core's client alone (a getData watch re-set at each change), with
// no cache engine or recipe above it (ours/core is what those layers cost), and `raw`,
// node-zookeeper-client alone (core/raw is what core costs; raw/Curator is Node against the JVM).
const PEERS = (process.env.SHARED_BENCH_PEERS ?? 'ours,curator,core,raw').split(',');
if (!PEERS.includes('ours') || !PEERS.includes('curator'))
  throw new Error('SHARED_BENCH_PEERS must include ours and curator');
const WRAP = 2 ** 31;
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

const live = new Set();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function worker(kind, connect) {
  const [cmd, args] =
    kind !== 'curator'
      ? [process.execPath, [path.join(here, 'shared-count-node-worker.mjs')]]
      : [
          'java',
          [
            '-cp',
            compileCuratorProgram(path.join(here, 'java', 'CuratorSharedCountBench.java')),
            'CuratorSharedCountBench',
          ],
        ];
  const child = spawn(cmd, [...args, connect, kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  const waiting = [];
  readline.createInterface({ input: child.stdout }).on('line', (l) => waiting.shift()?.resolve(l));
  // A worker that dies fails what waits on it (else the run would wait for ever, holding the
  // machine's benchmark lock, and its server would outlive it).
  child.once('exit', (code, sig) => {
    if (!live.has(child)) return;
    live.delete(child);
    const e = new Error(`the ${kind} follower exited (${code ?? sig})`);
    for (const w of waiting.splice(0)) w.reject(e);
    dead = e;
  });
  let dead;
  const next = () =>
    dead
      ? Promise.reject(dead)
      : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const ask = (line) => {
    const answer = next();
    child.stdin.write(`${line}\n`);
    return answer;
  };
  return {
    ready: next(),
    ask,
    quit() {
      child.stdin.end('quit\n');
      live.delete(child);
    },
  };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => quantile(xs, 0.5);
const serially = async (xs, f) => {
  const out = [];
  for (const x of xs) out.push(await f(x));
  return out;
};

const server = await TestingServer.start({ forceSync: FSYNC, fastStart: false });
const admin = createClient({ connectString: server.connectString, sessionTimeoutMs: 30000 });
const workers = {};
try {
  await admin.start();
  for (const p of PEERS) workers[p] = worker(p, server.connectString);
  await Promise.all(PEERS.map((p) => workers[p].ready));
  const root = `/bench-shared-${process.pid}`;
  const count = Buffer.alloc(4);
  const write = async (p) => {
    count.writeInt32BE(nowUs() % WRAP, 0);
    await admin.setData(p, count);
  };
  const gap = (share) => sleep((GAP_MS + Math.random() * 10) * share);
  // `peers` follow a node each; `writes` writes per peer, interleaved when there are two.
  const phase = async (peers, name, writes) => {
    const paths = Object.fromEntries(peers.map((peer) => [peer, `${root}/${peer}-${name}`]));
    for (const peer of peers) {
      await admin.create(paths[peer], Buffer.alloc(4), { createParents: true });
      await workers[peer].ask(`follow ${paths[peer]}`);
    }
    await sleep(200);
    for (let i = 0; i < writes; i++) {
      const order = Math.random() < 0.5 ? peers : [...peers].reverse();
      for (const peer of order) {
        await write(paths[peer]);
        await gap(1 / peers.length);
      }
    }
    await sleep(500);
    const out = {};
    for (const peer of peers) {
      // A value read at follow time (the seed, not a timed write) shows as a huge lag: left out.
      const raw = await workers[peer].ask('stats');
      if (process.env.SHARED_BENCH_DEBUG) console.log(peer, raw.slice(0, 300));
      const lat = raw
        .slice(4)
        .split(',')
        .filter(Boolean)
        .map(Number)
        .filter((us) => us < 10_000_000);
      await workers[peer].ask('stop');
      await admin.delete(paths[peer]);
      out[peer] = { p50: median(lat), p99: quantile(lat, 0.99), seen: lat.length };
    }
    return out;
  };
  if (MODE === 'interleaved') await phase(PEERS, 'warmup', 100);
  else for (const p of PEERS) await phase([p], 'warmup', 100);
  console.log(
    `SharedCount change -> seen: ${WRITES} writes per side and round, ${MODE}, ${GAP_MS}-${GAP_MS + 10} ms apart, fsync ${FSYNC}`,
  );
  const p50s = Object.fromEntries(PEERS.map((p) => [p, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...PEERS].reverse() : PEERS; // (phases mode; interleaved is random)
    const f =
      MODE === 'interleaved'
        ? await phase(PEERS, `r${r}`, WRITES)
        : Object.assign({}, ...(await serially(order, (peer) => phase([peer], `r${r}`, WRITES))));
    const line = [];
    for (const peer of order) {
      p50s[peer].push(f[peer].p50);
      line.push(
        `${peer}: p50 ${f[peer].p50} µs, p99 ${f[peer].p99} µs (seen ${f[peer].seen}/${WRITES})`,
      );
    }
    console.log(`round ${r + 1}: ${line.join('; ')}`);
  }
  const ratios = p50s.ours.map((o, i) => o / p50s.curator[i]);
  console.log(
    `p50: median ${PEERS.map((p) => `${p} ${median(p50s[p])} µs`).join(', ')}, median ratio ours/Curator ${median(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(' ')})`,
  );
  for (const [a, b] of [
    ['ours', 'core'],
    ['core', 'raw'],
    ['raw', 'curator'],
  ]) {
    if (!p50s[a] || !p50s[b]) continue;
    const rs = p50s[a].map((o, i) => o / p50s[b][i]);
    console.log(
      `median ratio ${a}/${b} ${median(rs).toFixed(2)} (${rs.map((x) => x.toFixed(2)).join(' ')})`,
    );
  }
  await admin.delete(root).catch(() => {});
} finally {
  for (const p of PEERS) workers[p]?.quit();
  await admin.close();
  await server.close();
}
