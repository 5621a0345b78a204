// @zk-recipes/cache's TreeCache against Curator's CuratorCache (Java) on one server, in one run
// (issue 15's benchmark). Each peer runs in a process of its own language
// (bench/cache-node-worker.mjs, bench/java/CuratorCacheBench.java) behind a FaultProxy of its
// own. Per round, peers alternate who goes first; each round gives a paired ratio ours/Curator,
// and the table prints medians over rounds.
//
//   (a) change -> listener latency: a third client sets one node's data to its wall clock (us),
//       CACHE_BENCH_CHANGES times, CACHE_BENCH_GAP_MS apart; p50 and p99 per peer.
//   (b) initial load of 10,000 and 100,000 nodes (100 parents of 100 / 1,000 leaves, 32-byte
//       data): time to `initialized`, and heap held per node after GC.
//   (c) rebuild after a connection cut, 10,000 nodes: the proxy refuses connections for 1 s,
//       then lets them back; the time from the first read through the proxy to the last (no
//       read for 300 ms after it: Curator has no "rebuilt" signal, so both are timed alike),
//       and apart, the reconnect (from the heal to the first read).
//
//   node bench/cache-vs-curator.mjs     (CACHE_BENCH_ROUNDS, default 3; CACHE_BENCH_SIZES)
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { clearTimeout } from 'node:timers';
import { createClient } from '@zk-recipes/core';
import { compileCuratorProgram, FaultProxy, TestingServer } from '@zk-recipes/testing';

const here = import.meta.dirname;
const env = (name, fallback) => process.env[`CACHE_BENCH_${name}`] ?? fallback;
const ROUNDS = Number(env('ROUNDS', 3));
const SIZES = env('SIZES', '10000,100000').split(',').map(Number);
const CHANGES = Number(env('CHANGES', 300));
const GAP_MS = Number(env('GAP_MS', 5));
const REBUILD_SIZE = 10_000;
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

class Worker {
  constructor(child) {
    this.child = child;
    this.lines = [];
    this.waiters = [];
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      const w = this.waiters.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
  }
  static start(peer, connectString) {
    const child =
      peer === 'ours'
        ? spawn(
            process.execPath,
            ['--expose-gc', path.join(here, 'cache-node-worker.mjs'), connectString],
            {
              stdio: ['pipe', 'pipe', 'inherit'],
            },
          )
        : spawn(
            'java',
            [
              '-Xmx2g',
              '-cp',
              compileCuratorProgram(path.join(here, 'java', 'CuratorCacheBench.java')),
              'CuratorCacheBench',
              connectString,
            ],
            { stdio: ['pipe', 'pipe', 'inherit'] },
          );
    return new Worker(child);
  }
  ask(line) {
    this.child.stdin.write(`${line}\n`);
    const l = this.lines.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((r) => this.waiters.push(r));
  }
  async close() {
    const exited = new Promise((r) => this.child.once('exit', r));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    this.child.stdin.write('close\n');
    await exited;
    clearTimeout(timer);
  }
}

async function buildTree(client, base, size) {
  const parents = 100;
  const per = size / parents;
  await client.create(base, '');
  const data = 'x'.repeat(32);
  const ops = [];
  for (let p = 0; p < parents; p++) {
    ops.push({ op: 'create', path: `${base}/p${p}`, data });
    for (let c = 0; c < per - 1; c++) ops.push({ op: 'create', path: `${base}/p${p}/c${c}`, data });
  }
  for (let i = 0; i < ops.length; i += 1000) await client.multi(ops.slice(i, i + 1000));
}

const READS = ['getData', 'exists', 'getChildren', 'getChildren2', 'multiRead'];
const reads = (proxy) => READS.reduce((n, op) => n + proxy.requestCount(op), 0);

/**
 * Cuts the connection for 1 s, lets it back, and times the rebuild's reads: from the first
 * read after the heal to the last (no read for 300 ms after it). `reconnect` is from the heal
 * to that first read (each client's own reconnect delay, not the cache's work).
 */
async function rebuild(proxy) {
  proxy.rejectConnections();
  await sleep(1000);
  const healed = performance.now();
  proxy.heal();
  let last = reads(proxy);
  let first;
  let lastAt;
  for (;;) {
    await sleep(2);
    const now = performance.now();
    const n = reads(proxy);
    if (n !== last) {
      last = n;
      first ??= now;
      lastAt = now;
    } else if (lastAt !== undefined && now - lastAt >= 300) break;
    if (now - healed > 120_000) throw new Error('rebuild did not end');
  }
  return { reconnect: first - healed, reads: lastAt - first };
}

const server = process.env.ZK_CONNECT ? undefined : await TestingServer.start();
const connectString = process.env.ZK_CONNECT ?? server.connectString;
const writer = createClient({ connectString });
const results = []; // { round, peer, measure, value }
try {
  await writer.start({ timeoutMs: 20_000 });
  for (const size of [...new Set([...SIZES, REBUILD_SIZE])])
    await buildTree(writer, `/bench-${size}`, size);
  await writer.create('/bench-lat', '');
  await writer.create('/bench-lat/node', String(nowUs()));
  for (let round = 0; round < ROUNDS; round++) {
    const peers = round % 2 === 0 ? ['ours', 'curator'] : ['curator', 'ours'];
    for (const peer of peers) {
      const rec = (measure, value) => results.push({ round, peer, measure, value });
      // (b) initial loads
      for (const size of SIZES) {
        const w = Worker.start(peer, connectString);
        const [, ms, heap] = (await w.ask(`load /bench-${size}`)).split(' ');
        rec(`load ${size} (ms)`, Number(ms));
        rec(`heap per node ${size} (bytes)`, Number(heap) / size);
        await w.close();
      }
      // (a) latency and (c) rebuild, through a proxy
      const proxy = await FaultProxy.start(connectString);
      const w = Worker.start(peer, proxy.connectString);
      try {
        await w.ask(`load /bench-lat`);
        await w.ask('watch /bench-lat/node');
        for (let i = 0; i < CHANGES; i++) {
          await writer.setData('/bench-lat/node', String(nowUs()));
          await sleep(GAP_MS);
        }
        await sleep(200);
        const lat = (await w.ask('stats')).slice(4).split(',').filter(Boolean).map(Number);
        // Changes close together may reach a cache as one (it reads the newest data).
        rec('changes heard of ' + CHANGES, lat.length);
        rec('latency p50 (ms)', pct(lat, 50) / 1000);
        rec('latency p99 (ms)', pct(lat, 99) / 1000);
      } finally {
        await w.close();
      }
      const w2 = Worker.start(peer, proxy.connectString);
      try {
        await w2.ask(`load /bench-${REBUILD_SIZE}`);
        const r = await rebuild(proxy);
        rec(`rebuild ${REBUILD_SIZE}: first to last read (ms)`, r.reads);
        rec(`rebuild ${REBUILD_SIZE}: reconnect, heal to first read (ms)`, r.reconnect);
      } finally {
        await w2.close();
        await proxy.close();
      }
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }
} finally {
  await writer.close();
  await server?.close();
}

const measures = [...new Set(results.map((r) => r.measure))];
const v = (peer, measure, round) =>
  results.find((r) => r.peer === peer && r.measure === measure && r.round === round)?.value;
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
const java = (() => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'libcurator-recipes-java'], {
      encoding: 'utf8',
    });
  } catch {
    return '?';
  }
})();
console.log(`TreeCache vs Curator ${java} CuratorCache, ${ROUNDS} rounds, Node ${process.version}`);
console.log(
  '| measure | ours (median) | Curator (median) | ours/Curator (median of rounds) | per round |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const m of measures) {
  const rounds = [...Array(ROUNDS).keys()];
  const ours = rounds.map((r) => v('ours', m, r));
  const cur = rounds.map((r) => v('curator', m, r));
  const ratios = rounds.map((r) => v('ours', m, r) / v('curator', m, r));
  console.log(
    `| ${m} | ${fmt(median(ours))} | ${fmt(median(cur))} | ${median(ratios).toFixed(2)} | ${ratios.map((x) => x.toFixed(2)).join(' ')} |`,
  );
}
