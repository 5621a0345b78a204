// LeaderLatch failover against Curator's LeaderLatch (issue 6's benchmark): the time from the
// leader's close() to the next participant's isLeader, on one server, in one run.
//
// Two arrangements, both run by default. The target: every participant in its own process,
// Node or JVM, as a service's replicas run (bench/leader-processes.mjs). For comparison: each
// side's participants in one process (bench/leader-in-process.mjs: ours in this Node process,
// sharing its one thread, Curator's in one JVM, on its threads), each on its own client (its own
// session). --processes or --one-process runs one of them. Each round the leader closes, the
// time from just before its close() to the next participant's isLeader is recorded, and the
// closer joins again at the back. Both sides warm up first; then blocks of rounds alternate
// which side goes first, so a noisy neighbour hurts both alike. Each block yields a paired ratio
// ours/Curator of medians; we report the median of those ratios beside the pooled medians and
// p99s. The one-process arrangement also prints, for information, how many watches 100
// participants of one client leave on the server (the server's `wchc`), ours and Curator's.
//
//   node bench/leader-failover.mjs [--rounds 200] [--block 20] [--warmup 40]
//     [--participants 3] [--settle-ms 5] [--floor-gap-ms <settle-ms>] [--no-fsync]
//     [--processes | --one-process] [--connect host:port]
//
// With 3 participants the next in line joined behind a node that was not first then. Ours
// watches the nodes ahead of it (up to watchAhead, 2 by default: both of them here), so it
// leads on the last deletion alone; Curator's watches its predecessor and lists the children
// again before it leads.
//
// The floor, measured in the same run between the blocks: two raw node-zookeeper-client
// sessions on the same server, one deleting a node, the other receiving the deletion's
// notification (from the delete call to the notification), the delete sent after the same idle
// gap as a failover's close (--floor-gap-ms). No failover can be shorter. The
// processes arrangement also breaks ours down, per round, from the participants' own clocks
// (bench/leader-worker.mjs): close() to the delete written on the socket, that write to the
// successor's first socket read after it (the server with its fsync, and both kernels), that
// read to the contender's grant, and the grant to isLeader.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import os from 'node:os';
import { createClient, NoNodeError } from '@zk-recipes/core';
import { CURATOR_JARS, TestingServer } from '@zk-recipes/testing';
import { inProcessSides } from './leader-in-process.mjs';
import { processSide } from './leader-processes.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const ROUNDS = Number(arg('--rounds', 200));
const BLOCK = Number(arg('--block', 20));
const WARMUP = Number(arg('--warmup', 40));
const PARTICIPANTS = Number(arg('--participants', 3));
// A pause after each join, so the joiner has set its watch before the next round closes the
// leader (with 2 participants it watches the leader itself).
const SETTLE_MS = Number(arg('--settle-ms', 5));
// The floor's delete comes after the same idle gap as a failover's close (the settle after a
// join): a delete right behind the watch's own round trip finds the server's threads and the
// watcher awake, and was shorter at the p50 than one after 5 ms of quiet (bench/RESULTS.md,
// "The floor after an idle gap"). --floor-gap-ms 0 measures it back to back, as before.
const FLOOR_GAP_MS = Number(arg('--floor-gap-ms', SETTLE_MS));
const FSYNC = !process.argv.includes('--no-fsync');
// Which arrangements run: by default both, the target first (every participant in its own
// process, bench/leader-processes.mjs, as a service's replicas run), then all of one side's
// participants in one process (one Node thread, one JVM), for comparison.
const ONLY_PROCESSES = process.argv.includes('--processes');
const ONLY_ONE_PROCESS = process.argv.includes('--one-process');
const ARRANGEMENTS = {
  processes: !ONLY_ONE_PROCESS,
  oneProcess: !ONLY_PROCESSES,
};
if (PARTICIPANTS < 2) throw new Error('--participants must be at least 2');

/** The Curator version of the jar on the class path (from its Maven metadata). */
function curatorVersion() {
  try {
    const props = execFileSync('unzip', [
      '-p',
      CURATOR_JARS[0],
      'META-INF/maven/org.apache.curator/curator-recipes/pom.properties',
    ]).toString();
    return /version=(\S+)/.exec(props)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

const server = arg('--connect')
  ? undefined
  : await TestingServer.start({ forceSync: FSYNC, fastStart: false });
const connectString = arg('--connect') ?? server.connectString;
const base = `/bench-leader-${process.pid}`;

const q = (xs, f) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(f * s.length))];
};
const med = (xs) => q(xs, 0.5);

const zookeeper = createRequire(import.meta.url)('node-zookeeper-client');
const nowUs = () => process.hrtime.bigint() / 1000n;

/**
 * Two raw sessions: `floor(k)` measures k deletes → notifications, in ms, both sessions in
 * this process; `floorApart(k)` the same with the watching session in a process of its own
 * (bench/leader-floor-worker.mjs), which must wake up for the notification as a successor does.
 */
async function rawFloor() {
  const child = spawn(
    process.execPath,
    [path.join(import.meta.dirname, 'leader-floor-worker.mjs'), connectString],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = [];
  let wake;
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  const next = async () => {
    while (lines.length === 0) await new Promise((r) => (wake = r));
    return lines.shift();
  };
  if ((await next()) !== 'ready') throw new Error('the floor worker did not start');
  const connect = () =>
    new Promise((resolve) => {
      const c = zookeeper.createClient(connectString, { sessionTimeout: 30000, retries: 0 });
      c.once('connected', () => resolve(c));
      c.connect();
    });
  const [a, b] = await Promise.all([connect(), connect()]);
  const p = (fn) => new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v))));
  const node = `${base}/floor`;
  return {
    async floor(k) {
      const lat = [];
      for (let i = 0; i < k; i++) {
        await p((cb) => a.create(node, Buffer.alloc(0), zookeeper.CreateMode.EPHEMERAL, cb));
        let notified;
        const deleted = new Promise((r) => (notified = r));
        await p((cb) => b.getData(node, () => notified(nowUs()), cb));
        await sleep(FLOOR_GAP_MS);
        const t0 = nowUs();
        a.remove(node, -1, () => undefined);
        lat.push(Number((await deleted) - t0) / 1000);
        await sleep(SETTLE_MS);
      }
      return lat;
    },
    async floorApart(k) {
      const lat = [];
      for (let i = 0; i < k; i++) {
        await p((cb) => a.create(node, Buffer.alloc(0), zookeeper.CreateMode.EPHEMERAL, cb));
        child.stdin.write(`watch ${node}\n`);
        const armed = await next();
        if (armed !== 'armed') throw new Error(`floor worker: ${armed}`);
        await sleep(FLOOR_GAP_MS);
        const t0 = nowUs();
        a.remove(node, -1, () => undefined);
        const fired = await next();
        lat.push(Number(BigInt(fired.split(' ')[1]) - t0) / 1000);
        await sleep(SETTLE_MS);
      }
      return lat;
    },
    close() {
      a.close();
      b.close();
      child.stdin.end();
    },
  };
}
const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** Runs the rounds in one arrangement and prints its tables. */
async function measure(processes) {
  let sides;
  if (processes) {
    const side = (kind) =>
      processSide({
        kind,
        connect: connectString,
        electionPath: `${base}/${kind}`,
        n: PARTICIPANTS,
        settleMs: SETTLE_MS,
        inLine: () =>
          admin.getChildren(`${base}/${kind}`).then(
            (r) => r.children.length,
            (e) => (e instanceof NoNodeError ? 0 : Promise.reject(e)),
          ),
      });
    const both = { ours: await side('ours'), curator: await side('curator') };
    sides = {
      rounds: { ours: both.ours.rounds, curator: both.curator.rounds },
      close: async () => {
        await both.ours.close();
        await both.curator.close();
      },
    };
  } else {
    sides = await inProcessSides({
      connectString,
      base,
      participants: PARTICIPANTS,
      settleMs: SETTLE_MS,
    });
  }
  const raw = await rawFloor();
  try {
    const run = sides.rounds;
    await run.ours(WARMUP);
    await run.curator(WARMUP);
    await raw.floor(WARMUP);
    await raw.floorApart(WARMUP);
    const samples = { ours: [], curator: [], floor: [], apart: [] };
    const phases = [];
    const blockRatios = [];
    const floorRatios = [];
    for (let b = 0; b * BLOCK < ROUNDS; b++) {
      const order =
        b % 2 === 0 ? ['ours', 'curator', 'floor', 'apart'] : ['apart', 'floor', 'curator', 'ours'];
      const m = {};
      const n = Math.min(BLOCK, ROUNDS - b * BLOCK);
      for (const side of order) {
        const s =
          side === 'floor'
            ? await raw.floor(n)
            : side === 'apart'
              ? await raw.floorApart(n)
              : await run[side](n, side === 'ours' ? phases : undefined);
        samples[side].push(...s);
        m[side] = med(s);
      }
      blockRatios.push(m.ours / m.curator);
      floorRatios.push(m.ours / m.floor);
    }
    // Watches for 100 participants of one client (information; one process per side).
    const watches = processes ? undefined : await sides.crowdWatches();
    report(processes, samples, blockRatios, floorRatios, phases, watches);
  } finally {
    raw.close();
    await sides.close();
  }
}

function report(processes, samples, blockRatios, floorRatios, phases, watches) {
  const row = (name, xs) => ({
    side: name,
    rounds: xs.length,
    'median (ms)': med(xs).toFixed(3),
    'p99 (ms)': q(xs, 0.99).toFixed(3),
  });
  const ratioMedian = med(samples.ours) / med(samples.curator);
  const ratioP99 = q(samples.ours, 0.99) / q(samples.curator, 0.99);
  const ratioBlocks = med(blockRatios);
  const verdict = (r) => (r <= 1.0 ? 'PASS' : 'MISS');
  console.log(
    `\n${processes ? 'TARGET: each participant in its own process, as replicas run' : 'FOR COMPARISON: all of one side in one process (one Node thread, one JVM)'}\n` +
      `LeaderLatch failover, close() to the next isLeader: ours vs Curator ${curatorVersion()} ` +
      `LeaderLatch; ${PARTICIPANTS} participants on separate sessions; ${ROUNDS} rounds each ` +
      `after ${WARMUP} warm-up, blocks of ${BLOCK} alternating, ${SETTLE_MS} ms after each join; ` +
      `the floor's delete ${FLOOR_GAP_MS} ms after its watch; ` +
      `fsync ${FSYNC ? 'on' : 'off'}; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}; ` +
      `Node ${process.version}; ${new Date().toISOString()}`,
  );
  console.table([
    row('ours', samples.ours),
    row('Curator', samples.curator),
    row('floor: raw delete → notification', samples.floor),
    row('floor, the watcher in a process of its own', samples.apart),
  ]);
  console.table(
    [
      ['median of block ratios', ratioBlocks],
      ['pooled median', ratioMedian],
      ['pooled p99', ratioP99],
    ].map(([what, r]) => ({
      ratio: `ours/Curator, ${what}`,
      value: r.toFixed(3),
      target: '<= 1.0',
      verdict: verdict(r),
    })),
  );
  const toFloor = med(floorRatios);
  console.table([
    {
      ratio: 'ours/floor, median of block ratios',
      value: toFloor.toFixed(3),
      target: '<= 1.5',
      verdict: toFloor <= 1.5 ? 'PASS' : 'MISS',
    },
    {
      ratio: 'ours/floor, pooled median',
      value: (med(samples.ours) / med(samples.floor)).toFixed(3),
      target: '<= 1.5',
      verdict: '',
    },
    {
      ratio: 'ours/(floor, two processes), pooled median',
      value: (med(samples.ours) / med(samples.apart)).toFixed(3),
      target: '',
      verdict: '',
    },
  ]);
  if (phases.length > 0) {
    const col = (k) => phases.map((x) => x[k]);
    console.log(`ours, where a failover goes (ms, ${phases.length} rounds):`);
    console.table(
      [
        ['close() → delete written (closer)', 'closer'],
        ['written → successor reads the notification (server, fsync, kernels)', 'server'],
        ['notification read → grant (successor)', 'successor'],
        ['grant → isLeader (successor)', 'emit'],
      ].map(([what, k]) => ({
        phase: what,
        p50: med(col(k)).toFixed(3),
        p90: q(col(k), 0.9).toFixed(3),
        p99: q(col(k), 0.99).toFixed(3),
      })),
    );
  }
  if (watches) {
    console.log(
      `watches on the server for 100 participants on one client (wchc, paths under the election): ` +
        `ours ${watches.ours}, Curator ${watches.curator}`,
    );
  }
}

const admin = createClient({ connectString, sessionTimeoutMs: 30_000 });
await admin.start();
if (ARRANGEMENTS.processes) await measure(true);
if (ARRANGEMENTS.oneProcess) await measure(false);

for (const p of [
  `${base}/floor`,
  `${base}/ours`,
  `${base}/crowd-ours`,
  `${base}/curator`,
  `${base}/crowd-curator`,
]) {
  await admin.delete(p).catch(() => undefined);
}
await admin.delete(base).catch(() => undefined);
await admin.close();
await server?.close();
