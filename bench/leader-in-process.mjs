// bench/leader-failover.mjs by default: each side's participants share one process. Ours:
// LeaderLatches in the benchmark's own Node process, each on its own client (its own session);
// Curator: the same in one JVM (bench/java/CuratorLeaderBench.java, timed there with
// System.nanoTime in its LeaderLatchListener). Each round the leader closes and the time until
// the next one's isLeader is recorded; a new latch then joins at the back on the freed client,
// and the next round starts once it is in line. Also counts the watches 100 participants of
// one client leave on the server (the server's `wchc`), ours and Curator's.
import path from 'node:path';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { createClient, NoNodeError } from '@zk-recipes/core';
import { compileCuratorProgram, serverWatches } from '@zk-recipes/testing';
// The bench workspace package does not depend on @zk-recipes/leader: import its build directly.
import { LeaderLatch } from '../packages/leader/dist/index.js';

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const ms = (ns) => Number(ns) / 1e6;

/** Resolves once `n` nodes are under `at`, as `client` lists them. */
export async function waitInLine(client, at, n) {
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

/** The Curator JVM: `until(end)` resolves with its lines up to (without) `end`. */
function startJvm(connectString, base, participants, settleMs) {
  const java = spawn(
    'java',
    [
      '-cp',
      compileCuratorProgram(path.join(import.meta.dirname, 'java', 'CuratorLeaderBench.java')),
      'CuratorLeaderBench',
      connectString,
      `${base}/curator`,
      String(participants),
      String(settleMs),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = [];
  let wake;
  readline.createInterface({ input: java.stdout }).on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  java.on('exit', (code) => {
    if (code !== 0) wake?.();
  });
  const until = async (end) => {
    const got = [];
    for (;;) {
      const l = lines.shift();
      if (l === end) return got;
      if (l !== undefined) {
        got.push(l);
        continue;
      }
      if (java.exitCode !== null) throw new Error(`the Curator JVM exited (${java.exitCode})`);
      await new Promise((r) => (wake = r));
      wake = undefined;
    }
  };
  return { java, until };
}

export async function inProcessSides({ connectString, base, participants, settleMs }) {
  const oursPath = `${base}/ours`;
  const clients = [];
  for (let i = 0; i < participants; i++) {
    const c = createClient({ connectString, sessionTimeoutMs: 30_000 });
    await c.start();
    clients.push(c);
  }
  const latches = [];
  let nextId = 0;
  const joinOurs = async (i) => {
    const latch = new LeaderLatch(clients[i], oursPath, { id: `p${nextId++}` });
    latches[i] = latch;
    await latch.start();
  };
  for (let i = 0; i < participants; i++) {
    await joinOurs(i);
    await waitInLine(clients[0], oursPath, i + 1);
  }
  await latches[0].awaitLeadership({ timeoutMs: 30_000 });

  /** `n` rounds of ours: failover times in ms. */
  async function ours(n) {
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
      await waitInLine(clients[leader], oursPath, participants);
      await sleep(settleMs);
    }
    return samples;
  }

  const jvm = startJvm(connectString, base, participants, settleMs);
  await jvm.until('ready');
  async function curator(n) {
    jvm.java.stdin.write(`rounds ${n}\n`);
    const lines = await jvm.until('done');
    return lines.filter((l) => l.startsWith('sample ')).map((l) => ms(BigInt(l.slice(7))));
  }

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
  /** The watches 100 participants on one client leave under the election, ours and Curator's. */
  async function crowdWatches() {
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
    jvm.java.stdin.write(`crowd ${base}/crowd-curator\n`);
    await jvm.until('crowd ready');
    const curatorWatches = await settledWatches(`${base}/crowd-curator`);
    jvm.java.stdin.write('uncrowd\n');
    await jvm.until('uncrowd done');
    return { ours: oursWatches, curator: curatorWatches };
  }

  async function close() {
    const { java } = jvm;
    java.stdin.write('quit\n');
    await new Promise((r) => (java.exitCode !== null ? r() : java.once('exit', r)));
    for (const l of latches) await l.close();
    for (const c of clients) await c.close();
  }
  return { rounds: { ours, curator }, crowdWatches, close };
}
