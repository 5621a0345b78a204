// The demo: four worker processes elect a leader and take turns through a withLock() critical
// section on ZooKeeper (an embedded server it starts itself, or ZK_CONNECT). It kills the
// leader's process and lets the others go on, restarts the embedded server to show the
// connection states, then stops everything it started and exits by itself.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient, ZkRecipesError } from '@zk-recipes/core';
import { TestingServer } from '@zk-recipes/testing';
import type { WorkerMessage } from './worker.js';

const WORKERS = 4;
const began = Date.now();
const say = (msg: string) => {
  const t = ((Date.now() - began) / 1000).toFixed(2).padStart(6);
  process.stdout.write(`[${t}s] ${msg}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));

interface Worker {
  name: string;
  child: ChildProcess;
  killed: boolean;
}

/** What the demo saw, for the summary and for its own checks. */
const seen = {
  leader: undefined as string | undefined,
  elections: [] as { name: string; epoch: bigint }[],
  tokens: [] as bigint[],
  holder: undefined as string | undefined,
  overlaps: 0,
};

function onMessage(w: Worker, m: WorkerMessage): void {
  switch (m.type) {
    case 'state':
      say(`${w.name}: connection ${m.previous} -> ${m.state} (session 0x${m.sessionId})`);
      break;
    case 'elected':
      seen.leader = w.name;
      seen.elections.push({ name: w.name, epoch: BigInt(m.epoch) });
      say(`${w.name} is the leader now (epoch ${m.epoch})`);
      break;
    case 'leading':
      say(`${w.name} still leads (epoch ${m.epoch})`);
      break;
    case 'revoked':
      if (seen.leader === w.name) seen.leader = undefined;
      say(`${w.name} is no longer the leader`);
      break;
    case 'locked':
      if (seen.holder !== undefined) seen.overlaps++;
      seen.holder = w.name;
      seen.tokens.push(BigInt(m.token));
      say(`${w.name} holds the lock (fencing token ${m.token})`);
      break;
    case 'unlocked':
      if (seen.holder === w.name) seen.holder = undefined;
      break;
    case 'stopped':
      say(`${w.name} stopped`);
      break;
  }
}

function startWorker(name: string, args: string[]): Worker {
  const child = fork(workerFile, [...args, name], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const w: Worker = { name, child, killed: false };
  child.on('message', (m: WorkerMessage) => onMessage(w, m));
  return w;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function main(): Promise<void> {
  let server: TestingServer | undefined;
  let connectString = process.env.ZK_CONNECT;
  const workers: Worker[] = [];
  const stopAll = () => {
    for (const w of workers) w.child.kill('SIGKILL');
    void server?.close();
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  try {
    if (connectString) {
      say(`using ZooKeeper at ${connectString} (ZK_CONNECT)`);
    } else {
      say('starting an embedded ZooKeeper server...');
      server = await TestingServer.start({ tickTimeMs: 200 });
      connectString = server.connectString;
      say(`embedded ZooKeeper is serving at ${connectString}`);
    }
    const base = `/zk-recipes-demo-${process.pid}`;
    const args = [connectString, `${base}/leader`, `${base}/lock`];
    say(
      `starting ${WORKERS} workers: each joins the election at ${base}/leader and loops on withLock(${base}/lock)`,
    );
    for (let i = 1; i <= WORKERS; i++) workers.push(startWorker(`worker-${i}`, args));
    say(`worker pids: ${workers.map((w) => w.child.pid).join(', ')}`);
    await waitFor('a leader', () => seen.leader !== undefined);
    await sleep(5000);

    const leader = workers.find((w) => w.name === seen.leader)!;
    say(
      `killing ${leader.name}, the leader (pid ${leader.child.pid}): its session lives until ZooKeeper expires it (4 s)`,
    );
    leader.killed = true;
    leader.child.kill('SIGKILL');
    if (seen.holder === leader.name) seen.holder = undefined; // a dead process holds nothing
    seen.leader = undefined;
    await waitFor('a new leader', () => seen.leader !== undefined);
    await sleep(3000);

    if (server) {
      say(
        'restarting the embedded server: the workers go SUSPENDED, the leader stops, and all come back',
      );
      await server.stop();
      await sleep(800);
      await server.restart();
      await waitFor('a leader after the restart', () => seen.leader !== undefined);
      await sleep(3000);
    }

    say('stopping the workers');
    const alive = workers.filter((w) => !w.killed);
    for (const w of alive) w.child.send('stop');
    await Promise.all(
      alive.map(
        (w) => new Promise((r) => (w.child.exitCode !== null ? r(0) : w.child.once('exit', r))),
      ),
    );
    const rising = seen.tokens.every((t, i) => i === 0 || t > seen.tokens[i - 1]!);
    say(
      `summary: leaders in order ${seen.elections.map((e) => `${e.name} (epoch ${e.epoch})`).join(', ')}`,
    );
    say(
      `summary: ${seen.tokens.length} lock turns, fencing tokens rose strictly: ${rising ? 'yes' : 'NO'}, two holders at once: ${seen.overlaps === 0 ? 'never' : seen.overlaps}`,
    );
    // Leave nothing behind on a server the demo does not own.
    if (!server) {
      const client = createClient({ connectString });
      await client.start({ timeoutMs: 20_000 });
      await client.delete(base, { deleteChildren: true }).catch(() => undefined);
      await client.close();
    }
    if (!rising || seen.overlaps > 0) process.exitCode = 1;
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await server?.close();
    say(server ? 'done: workers stopped, embedded server stopped' : 'done: workers stopped');
  }
}

main().catch((e: unknown) => {
  // Our own errors say what happened in their message; anything else gets its stack.
  const text =
    e instanceof ZkRecipesError
      ? `${e.code}: ${e.message}`
      : e instanceof Error
        ? (e.stack ?? e.message)
        : String(e);
  process.stderr.write(`demo failed: ${text}\n`);
  process.exitCode = 1;
});
