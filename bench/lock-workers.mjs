// Lock workers (Node, Java with Curator, Python with kazoo) as child processes that answer line
// commands with JSON lines (protocol in lock-node-worker.mjs). Every child is killed when this
// process ends, however it ends: on exit and on SIGINT/SIGTERM here, and, should this process
// be killed outright, by the children themselves when their standard input closes.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clearTimeout, setTimeout } from 'node:timers';
import { compileCuratorProgram } from '@zk-recipes/testing';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Debian's interpreter: python3-kazoo is installed for it (bench/setup.sh). */
export const PYTHON = '/usr/bin/python3';

/** The command line of one worker of `kind` against `connect`. */
export function workerCommand(kind, connect) {
  if (/^ours-k\d+$/.test(kind)) {
    return [process.execPath, [path.join(here, 'lock-node-worker.mjs'), kind, connect]];
  }
  switch (kind) {
    case 'ours-base': {
      // ours as built in another checkout (LOCK_BENCH_BASE): a change against what it changes.
      const base = process.env.LOCK_BENCH_BASE;
      if (!base) throw new Error('ours-base needs LOCK_BENCH_BASE, a built copy of the repository');
      return [
        process.execPath,
        [path.join(base, 'bench', 'lock-node-worker.mjs'), 'ours', connect],
      ];
    }
    case 'ours':
    case 'raw':
    case 'raw-seq':
      return [process.execPath, [path.join(here, 'lock-node-worker.mjs'), kind, connect]];
    case 'curator':
      return [
        'java',
        [
          '-cp',
          compileCuratorProgram(path.join(here, 'java', 'CuratorLockBench.java')),
          'CuratorLockBench',
          connect,
        ],
      ];
    case 'kazoo':
      return [PYTHON, [path.join(here, 'kazoo_lock_bench.py'), connect]];
    default:
      throw new Error(`unknown peer ${kind}`);
  }
}

const live = new Set();
function killAll() {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    killAll();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

/** One worker process: `send(line)` resolves to its JSON answer. */
class Worker {
  constructor(kind, connect) {
    const [cmd, args] = workerCommand(kind, connect);
    this.kind = kind;
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    live.add(this.child);
    this.waiting = [];
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        const err = new Error(`${kind} worker exited (${signal ?? code})`);
        for (const w of this.waiting.splice(0)) w.reject(err);
        resolve();
      });
    });
    this.child.once('error', (e) => {
      for (const w of this.waiting.splice(0)) w.reject(e);
    });
    this.child.stdin.on('error', () => undefined); // a worker gone: 'exit' rejects what waits
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      try {
        const msg = JSON.parse(line);
        if (msg.error) w.reject(new Error(`${kind}: ${msg.error}`));
        else w.resolve(msg);
      } catch (e) {
        w.reject(new Error(`${kind} said ${line.slice(0, 200)}: ${e}`));
      }
    });
    this.ready = new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  send(line) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  async close() {
    this.child.stdin.end(); // a worker leaves when its input closes
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts `n` workers of `kind` and waits until each has connected. */
export async function startPool(kind, connect, n) {
  const workers = Array.from({ length: n }, () => new Worker(kind, connect));
  const timer = setTimeout(() => workers.forEach((w) => w.child.kill('SIGKILL')), 120_000);
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (e) {
    for (const w of workers) w.child.kill('SIGKILL');
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return workers;
}

export const closePools = (pools) =>
  Promise.all(pools.flatMap((workers) => workers.map((w) => w.close())));
