// bench/leader-failover.mjs --processes: every participant in its own process, as the replicas
// of a service run. Ours: bench/leader-worker.mjs (a Node process, one client, one latch at a
// time); Curator: bench/java/CuratorLeaderWorker.java (one JVM each). Each round the leader's
// process closes its latch; the sample is the time from just before that close() to the next
// participant's isLeader, both read from CLOCK_MONOTONIC in their own processes. The closer
// then joins again at the back and the next round starts once everyone is in line. Every child
// is killed when this process ends, however it ends, and leaves by itself when its input closes.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { clearTimeout } from 'node:timers';
import { compileCuratorProgram } from '@zk-recipes/testing';

const here = import.meta.dirname;
const sleep = (t) => new Promise((r) => setTimeout(r, t));
const live = new Set();
process.once('exit', () => live.forEach((c) => c.kill('SIGKILL')));

function command(kind, connect, electionPath) {
  if (kind === 'ours') {
    return [process.execPath, [path.join(here, 'leader-worker.mjs'), connect, electionPath]];
  }
  const cp = compileCuratorProgram(path.join(here, 'java', 'CuratorLeaderWorker.java'));
  return ['java', ['-cp', cp, 'CuratorLeaderWorker', connect, electionPath]];
}

/** One participant process: `expect(word)` resolves with the rest of its next line. */
class Participant {
  constructor(kind, connect, electionPath, onLeader) {
    const [cmd, args] = command(kind, connect, electionPath);
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    live.add(this.child);
    this.lines = [];
    this.exited = new Promise((r) => this.child.once('exit', r)).then(() => {
      live.delete(this.child);
      this.wake?.();
    });
    this.child.stdin.on('error', () => undefined);
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (line.startsWith('leader ')) {
        // ours adds its grant and its recent socket reads (bench/leader-worker.mjs)
        const [us, granted, reads] = line.slice(7).split(' ');
        onLeader(this, BigInt(us), {
          granted: granted ? BigInt(granted) : undefined,
          reads: reads ? reads.split(',').map(BigInt) : [],
        });
      } else this.lines.push(line);
      this.wake?.();
    });
  }

  send(line) {
    this.child.stdin.write(`${line}\n`);
  }

  async expect(word, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        if (line === word || line.startsWith(`${word} `)) return line.slice(word.length + 1);
        throw new Error(`expected ${word}, got ${line}`);
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`a participant exited before ${word}`);
      if (Date.now() > deadline) throw new Error(`no ${word} within ${timeoutMs} ms`);
      await new Promise((r) => {
        this.wake = r;
        setTimeout(r, 100);
      });
      this.wake = undefined;
    }
  }

  async close() {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Starts `n` participant processes of `kind` ('ours' or 'curator') on `electionPath`, each
 * joined in turn; `inLine()` counts the nodes under the path. Resolves once one leads.
 */
export async function processSide({ kind, connect, electionPath, n, settleMs, inLine }) {
  let leader;
  let onElected;
  const onLeader = (p, us, trace) => {
    leader = p;
    onElected?.(p, us, trace);
  };
  const ps = Array.from(
    { length: n },
    () => new Participant(kind, connect, electionPath, onLeader),
  );
  let nextId = 0;
  const waitInLine = async (k) => {
    const deadline = Date.now() + 30_000;
    while ((await inLine()) !== k) {
      if (Date.now() > deadline) throw new Error(`not ${k} in line at ${electionPath}`);
      await sleep(1);
    }
  };
  const join = async (p, k) => {
    p.send(`join ${kind}-${nextId++}`);
    await p.expect('joined');
    await waitInLine(k);
  };
  try {
    await Promise.all(ps.map((p) => p.expect('ready')));
    for (let i = 0; i < n; i++) await join(ps[i], i + 1);
    const deadline = Date.now() + 30_000;
    while (!leader && Date.now() < deadline) await sleep(1);
    if (!leader) throw new Error(`no ${kind} leader`);
  } catch (e) {
    await Promise.all(ps.map((p) => p.close()));
    throw e;
  }
  return {
    /**
     * `k` rounds: failover times in ms. Ours also fills `phases` (ms per round): close() to its
     * delete written, written to the successor's first read after it (the server, its fsync,
     * the network), that read to the grant, the grant to isLeader.
     */
    async rounds(k, phases) {
      const samples = [];
      for (let r = 0; r < k; r++) {
        const closer = leader;
        const elected = new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${kind} failover`)), 30_000);
          onElected = (p, us, trace) => {
            if (p === closer) return;
            clearTimeout(timer);
            resolve([us, trace]);
          };
        });
        elected.catch(() => undefined); // awaited below; not unhandled if it fails first
        closer.send('close');
        const t0 = BigInt(await closer.expect('closing'));
        const [t1, trace] = await elected;
        onElected = undefined;
        const written = BigInt((await closer.expect('closed')) || '0');
        samples.push(Number(t1 - t0) / 1000);
        const read = trace?.reads.find((r) => r >= written);
        if (phases && written > 0n && trace?.granted && read !== undefined) {
          const ms = (a, b) => Number(b - a) / 1000;
          phases.push({
            closer: ms(t0, written),
            server: ms(written, read),
            successor: ms(read, trace.granted),
            emit: ms(trace.granted, t1),
          });
        }
        await join(closer, n);
        await sleep(settleMs);
      }
      return samples;
    },
    close: () => Promise.all(ps.map((p) => p.close())),
  };
}
