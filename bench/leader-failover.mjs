// LeaderLatch failover against Curator's LeaderLatch (issue 6's benchmark): the time from the
// leader's close() to the next participant's isLeader, on one server, in one run.
//
// Ours: PARTICIPANTS latches in this process, each on its own client (its own session). Each
// round the leader closes and the time until the next one's isLeader event is recorded; a new
// latch then joins at the back on the freed client, and the next round starts once it is in
// line. Curator: the same in one JVM (bench/java/CuratorLeaderBench.java, timed there with
// System.nanoTime in its LeaderLatchListener). Both warm up first; then blocks of rounds
// alternate which side goes first, so a noisy neighbour hurts both alike. Each block yields a
// paired ratio ours/Curator of medians; we report the median of those ratios beside the pooled
// medians and p99s. For information it also prints how many watches 100 participants of one
// client leave on the server (the server's `wchc`), ours and Curator's.
//
//   node bench/leader-failover.mjs [--rounds 200] [--block 20] [--warmup 40]
//     [--participants 3] [--settle-ms 5] [--no-fsync] [--connect host:port]
//
// With 3 participants the next in line joined behind a node that was not first then, so on the
// leader's deletion it lists the children again before it leads, as Curator's always does. With
// 2, the next in line joined right behind the leader: ours then leads on the deletion alone
// (one round trip less), Curator's still lists.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { createClient, NoNodeError } from '@zk-recipes/core';
import {
  compileCuratorProgram,
  CURATOR_JARS,
  serverWatches,
  TestingServer,
} from '@zk-recipes/testing';
// The bench workspace package does not depend on @zk-recipes/leader: import its build directly.
import { LeaderLatch } from '../packages/leader/dist/index.js';

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
const FSYNC = !process.argv.includes('--no-fsync');
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

const ms = (ns) => Number(ns) / 1e6;
const q = (xs, f) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(f * s.length))];
};
const med = (xs) => q(xs, 0.5);
const sleep = (t) => new Promise((r) => setTimeout(r, t));

// ---- ours ----
const oursPath = `${base}/ours`;
const clients = [];
for (let i = 0; i < PARTICIPANTS; i++) {
  const c = createClient({ connectString, sessionTimeoutMs: 30_000 });
  await c.start();
  clients.push(c);
}
const latches = [];
let nextId = 0;

async function waitInLine(client, at, n) {
  const deadline = Date.now() + 30_000;
  const count = () =>
    client.getChildren(at).then(
      (r) => r.children.length,
      (e) => (e instanceof NoNodeError ? 0 : Promise.reject(e)),
    );
  while ((await count()) !== n) {
    if (Date.now() > deadline) throw new Error(`not ${n} in line at ${at}`);
    await sleep(1);
  }
}

async function joinOurs(i) {
  const latch = new LeaderLatch(clients[i], oursPath, { id: `p${nextId++}` });
  latches[i] = latch;
  await latch.start();
}
for (let i = 0; i < PARTICIPANTS; i++) {
  await joinOurs(i);
  await waitInLine(clients[0], oursPath, i + 1);
}
await latches[0].awaitLeadership({ timeoutMs: 30_000 });

/** `n` rounds of ours: failover times in ms. */
async function oursRounds(n) {
  const samples = [];
  for (let r = 0; r < n; r++) {
    const leader = latches.findIndex((l) => l.hasLeadership());
    if (leader < 0) throw new Error('no leader before the round');
    let offs = [];
    const elected = new Promise((resolve) => {
      offs = latches
        .filter((_, i) => i !== leader)
        .map((l) => l.on('isLeader', () => resolve(process.hrtime.bigint())));
    });
    const t0 = process.hrtime.bigint();
    const closed = latches[leader].close();
    const t1 = await elected;
    samples.push(ms(t1 - t0));
    for (const off of offs) off();
    await closed;
    await joinOurs(leader);
    await waitInLine(clients[leader], oursPath, PARTICIPANTS);
    await sleep(SETTLE_MS);
  }
  return samples;
}

// ---- Curator ----
const java = spawn(
  'java',
  [
    '-cp',
    compileCuratorProgram(path.join(import.meta.dirname, 'java', 'CuratorLeaderBench.java')),
    'CuratorLeaderBench',
    connectString,
    `${base}/curator`,
    String(PARTICIPANTS),
    String(SETTLE_MS),
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const javaLines = [];
let javaWake;
readline.createInterface({ input: java.stdout }).on('line', (l) => {
  javaLines.push(l);
  javaWake?.();
});
java.on('exit', (code) => {
  if (code !== 0) javaWake?.();
});
/** Lines from the JVM up to (without) the one equal to `end`. */
async function javaUntil(end) {
  const got = [];
  for (;;) {
    const l = javaLines.shift();
    if (l === end) return got;
    if (l !== undefined) {
      got.push(l);
      continue;
    }
    if (java.exitCode !== null) throw new Error(`the Curator JVM exited (${java.exitCode})`);
    await new Promise((r) => (javaWake = r));
    javaWake = undefined;
  }
}
await javaUntil('ready');

async function curatorRounds(n) {
  java.stdin.write(`rounds ${n}\n`);
  const lines = await javaUntil('done');
  return lines.filter((l) => l.startsWith('sample ')).map((l) => ms(BigInt(l.slice(7))));
}

// ---- the run ----
const run = { ours: oursRounds, curator: curatorRounds };
await run.ours(WARMUP);
await run.curator(WARMUP);
const samples = { ours: [], curator: [] };
const blockRatios = [];
for (let b = 0; b * BLOCK < ROUNDS; b++) {
  const order = b % 2 === 0 ? ['ours', 'curator'] : ['curator', 'ours'];
  const m = {};
  for (const side of order) {
    const s = await run[side](Math.min(BLOCK, ROUNDS - b * BLOCK));
    samples[side].push(...s);
    m[side] = med(s);
  }
  blockRatios.push(m.ours / m.curator);
}

// ---- watches for 100 participants of one client (information) ----
async function watchesUnder(at) {
  const all = [...(await serverWatches({ connectString })).values()].flat();
  return all.filter((p) => p.startsWith(`${at}/`)).length;
}
async function settledWatches(at) {
  // Watches are set as each participant reads its predecessor: wait until the count holds.
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const n = await watchesUnder(at);
    if (n === last && n > 0) return n;
    last = n;
    await sleep(100);
  }
  return last;
}
const crowdClient = createClient({ connectString, sessionTimeoutMs: 30_000 });
await crowdClient.start();
const crowd = Array.from(
  { length: 100 },
  (_, i) => new LeaderLatch(crowdClient, `${base}/crowd-ours`, { id: `c${i}` }),
);
for (const l of crowd) await l.start();
await crowd[0].awaitLeadership({ timeoutMs: 30_000 });
await waitInLine(crowdClient, `${base}/crowd-ours`, 100);
const oursWatches = await settledWatches(`${base}/crowd-ours`);
for (const l of crowd) await l.close();
await crowdClient.close();
java.stdin.write(`crowd ${base}/crowd-curator\n`);
await javaUntil('crowd ready');
const curatorWatches = await settledWatches(`${base}/crowd-curator`);
java.stdin.write('uncrowd\n');
await javaUntil('uncrowd done');

// ---- report ----
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
  `LeaderLatch failover, close() to the next isLeader: ours vs Curator ${curatorVersion()} ` +
    `LeaderLatch; ${PARTICIPANTS} participants on separate sessions; ${ROUNDS} rounds each ` +
    `after ${WARMUP} warm-up, blocks of ${BLOCK} alternating, ${SETTLE_MS} ms after each join; ` +
    `fsync ${FSYNC ? 'on' : 'off'}; ` +
    `Node ${process.version}; ${new Date().toISOString()}`,
);
console.table([row('ours', samples.ours), row('Curator', samples.curator)]);
console.table([
  {
    ratio: 'ours/Curator, median of block ratios',
    value: ratioBlocks.toFixed(3),
    target: '<= 1.0',
    verdict: verdict(ratioBlocks),
  },
  {
    ratio: 'ours/Curator, pooled median',
    value: ratioMedian.toFixed(3),
    target: '<= 1.0',
    verdict: verdict(ratioMedian),
  },
  {
    ratio: 'ours/Curator, pooled p99',
    value: ratioP99.toFixed(3),
    target: '<= 1.0',
    verdict: verdict(ratioP99),
  },
]);
console.log(
  `watches on the server for 100 participants on one client (wchc, paths under the election): ` +
    `ours ${oursWatches}, Curator ${curatorWatches}`,
);

java.stdin.write('quit\n');
await new Promise((r) => (java.exitCode !== null ? r() : java.once('exit', r)));
for (const l of latches) await l.close();
const admin = clients[0];
for (const p of [
  `${base}/ours`,
  `${base}/crowd-ours`,
  `${base}/curator`,
  `${base}/crowd-curator`,
]) {
  await admin.delete(p).catch(() => undefined);
}
await admin.delete(base).catch(() => undefined);
for (const c of clients) await c.close();
await server?.close();
