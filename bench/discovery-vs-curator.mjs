// @zk-recipes/discovery against Curator's curator-x-discovery (Java), on one server, in one
// run (issue 17's benchmark). Each peer runs two processes of its own language
// (bench/discovery-node-worker.mjs, bench/java/CuratorDiscoveryBench.java): a registrant and an
// observer, driven over stdin/stdout by this script, so both pay the same pipe hops. Rounds
// rotate which peer goes first; each round gives a ratio ours/Curator per measure, and we
// report the median of those ratios beside each side's medians.
//
//   node bench/discovery-vs-curator.mjs
//
// Measures:
// - getInstance() calls per second from a warm round-robin provider over 10 instances (memory
//   only on both sides);
// - registration → visible: the registrant registers a new instance; the time until the
//   observer's ServiceCache reports it, p50 and p99 (pooled over rounds);
// - cache start over 1,000 instances: a new ServiceCache until its initial load is done.
//
// Settings (environment): DISC_BENCH_ROUNDS (5), DISC_BENCH_REGISTRATIONS (200 per round),
// DISC_BENCH_RATE_MS (1000), DISC_BENCH_STARTS (3 per round), DISC_BENCH_FSYNC (1).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { createClient } from '@zk-recipes/core';
import { instanceSerializer, serviceInstance } from '@zk-recipes/discovery';
import { compileCuratorProgram, CURATOR_DISCOVERY_JARS, TestingServer } from '@zk-recipes/testing';

const env = (name, fallback) => Number(process.env[`DISC_BENCH_${name}`] ?? fallback);
const ROUNDS = env('ROUNDS', 5);
const REGISTRATIONS = env('REGISTRATIONS', 200);
const RATE_MS = env('RATE_MS', 1000);
const STARTS = env('STARTS', 3);
const FSYNC = env('FSYNC', 1) !== 0;
const here = import.meta.dirname;
const PEERS = ['ours', 'curator'];

const server = await TestingServer.start({ forceSync: FSYNC, fastStart: false });
const basePath = `/bench-discovery-${process.pid}`;
const procs = [];

function worker(peer) {
  const args = [server.connectString, basePath];
  const child =
    peer === 'ours'
      ? spawn(process.execPath, [path.join(here, 'discovery-node-worker.mjs'), ...args], {
          stdio: ['pipe', 'pipe', 'inherit'],
        })
      : spawn(
          'java',
          [
            '-cp',
            compileCuratorProgram(path.join(here, 'java', 'CuratorDiscoveryBench.java'), {
              jars: CURATOR_DISCOVERY_JARS,
            }),
            'CuratorDiscoveryBench',
            ...args,
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
  procs.push(child);
  const waiting = [];
  const seen = new Map();
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const t = performance.now();
    if (line.startsWith('seen ')) {
      const id = line.slice(5);
      const w = seen.get(id);
      if (w) w(t);
      else seen.set(id, t);
      return;
    }
    if (line.startsWith('error')) throw new Error(`${peer}: ${line}`);
    waiting.shift()?.(line);
  });
  const next = () => new Promise((r) => waiting.push(r));
  return {
    ready: next(),
    ask(line) {
      const answer = next();
      child.stdin.write(`${line}\n`);
      return answer;
    },
    /** Resolves with the time the observer printed `seen <id>`. */
    seen(id) {
      const t = seen.get(id);
      if (t !== undefined) return Promise.resolve(t);
      return new Promise((r) => seen.set(id, r));
    },
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

try {
  // The instances every peer reads: 10 for the providers, 1,000 for the cache starts, written
  // once in Curator's JSON (the same bytes either side writes).
  const admin = createClient({ connectString: server.connectString });
  await admin.start();
  const s = instanceSerializer();
  const put = (name, n) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        admin.create(
          `${basePath}/${name}/i-${i}`,
          s.serialize(
            serviceInstance({ name, id: `i-${i}`, address: '127.0.0.1', port: 8000 + i }),
          ),
          { createParents: true },
        ),
      ),
    );
  await put('ten', 10);
  await put('thousand', 1000);
  await admin.close();

  const sides = {};
  for (const peer of PEERS) {
    const registrant = worker(peer);
    const observer = worker(peer);
    await Promise.all([registrant.ready, observer.ready]);
    await observer.ask(`observe lat-${peer}`);
    sides[peer] = { registrant, observer };
  }
  const fig = Object.fromEntries(
    PEERS.map((p) => [p, { rate: [], lat: [], latP50: [], start: [] }]),
  );
  const ratios = { rate: [], latP50: [], start: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...PEERS].reverse() : PEERS;
    const thisRound = {};
    for (const peer of order) {
      const { registrant, observer } = sides[peer];
      const rate = Number((await observer.ask(`rate ten ${RATE_MS}`)).split(' ')[1]);
      const lat = [];
      for (let k = 0; k < REGISTRATIONS; k++) {
        const id = `${peer}-r${round}-${k}`;
        const seen = observer.seen(id);
        const t0 = performance.now();
        await registrant.ask(`register lat-${peer} ${id}`);
        lat.push((await seen) - t0);
      }
      const starts = (await observer.ask(`start thousand ${STARTS}`))
        .split(' ')
        .slice(1)
        .map(Number);
      const f = fig[peer];
      f.rate.push(rate);
      f.lat.push(...lat);
      f.latP50.push(median(lat));
      f.start.push(median(starts));
      thisRound[peer] = { rate, latP50: median(lat), start: median(starts) };
      console.log(
        `round ${round} ${peer.padEnd(7)} getInstance ${(rate / 1e6).toFixed(2)} M/s, ` +
          `visible p50 ${median(lat).toFixed(2)} ms p99 ${pct(lat, 0.99).toFixed(2)} ms, ` +
          `start(1000) ${median(starts).toFixed(1)} ms`,
      );
    }
    ratios.rate.push(thisRound.ours.rate / thisRound.curator.rate);
    ratios.latP50.push(thisRound.ours.latP50 / thisRound.curator.latP50);
    ratios.start.push(thisRound.ours.start / thisRound.curator.start);
  }
  console.log(
    `\n${ROUNDS} rounds, ${REGISTRATIONS} registrations and ${STARTS} cache starts per peer per round, fsync ${FSYNC ? 'on' : 'off'}`,
  );
  console.log(
    '| measure | ours (median) | Curator (median) | ours/Curator (median of round ratios) |',
  );
  console.log('| --- | --- | --- | --- |');
  const o = fig.ours;
  const c = fig.curator;
  console.log(
    `| getInstance() per second | ${(median(o.rate) / 1e6).toFixed(2)} M | ${(median(c.rate) / 1e6).toFixed(2)} M | ${median(ratios.rate).toFixed(2)} |`,
  );
  console.log(
    `| registration → visible, p50 (ms) | ${median(o.latP50).toFixed(2)} | ${median(c.latP50).toFixed(2)} | ${median(ratios.latP50).toFixed(2)} |`,
  );
  console.log(
    `| registration → visible, p99 pooled (ms) | ${pct(o.lat, 0.99).toFixed(2)} | ${pct(c.lat, 0.99).toFixed(2)} | ${(pct(o.lat, 0.99) / pct(c.lat, 0.99)).toFixed(2)} |`,
  );
  console.log(
    `| cache start, 1,000 instances (ms) | ${median(o.start).toFixed(1)} | ${median(c.start).toFixed(1)} | ${median(ratios.start).toFixed(2)} |`,
  );
  for (const { registrant, observer } of Object.values(sides)) {
    registrant.ask('quit');
    observer.ask('quit');
  }
} finally {
  await new Promise((r) => setTimeout(r, 500));
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await server.close();
}
