// Lock workers (Node, Java with Curator, Python with kazoo) as child processes that answer line
// commands with JSON lines (protocol in lock-node-worker.mjs). Every child is killed when this
// process ends, however it ends: on exit and on SIGINT/SIGTERM here, and, should this process
// be killed outright, by the children themselves when their standard input closes.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clearTimeout, setTimeout } from 'node:timers';

const here = path.dirname(fileURLToPath(import.meta.url));

// The jars test/src/support/java.ts compiles the Curator test peers against (zookeeper.jar's
// manifest brings in its own dependencies).
const JARS = [
  'curator-recipes.jar',
  'curator-framework.jar',
  'curator-client.jar',
  'zookeeper.jar',
  'guava.jar',
  'slf4j-api.jar',
  'slf4j-nop.jar',
].map((j) => `/usr/share/java/${j}`);

/** Debian's interpreter: python3-kazoo is installed for it (bench/setup.sh). */
export const PYTHON = '/usr/bin/python3';

/** Compiles bench/java/<name>.java once per source version; returns the class path. */
function compiledJava(name) {
  const missing = JARS.filter((j) => !fs.existsSync(j));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run bench/setup.sh`);
  const src = path.join(here, 'java', `${name}.java`);
  const hash = createHash('sha1').update(fs.readFileSync(src)).digest('hex').slice(0, 12);
  const out = path.join(os.tmpdir(), `zk-recipes-bench-${name}-${hash}`);
  if (!fs.existsSync(path.join(out, `${name}.class`))) {
    const tmp = `${out}.${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    execFileSync('javac', ['-d', tmp, '-cp', JARS.join(':'), src], { stdio: 'inherit' });
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(tmp, out);
  }
  return [out, ...JARS].join(':');
}

/** The command line of one worker of `kind` against `connect`. */
export function workerCommand(kind, connect) {
  switch (kind) {
    case 'ours':
    case 'raw':
    case 'raw-seq':
      return [process.execPath, [path.join(here, 'lock-node-worker.mjs'), kind, connect]];
    case 'curator':
      return ['java', ['-cp', compiledJava('CuratorLockBench'), 'CuratorLockBench', connect]];
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
