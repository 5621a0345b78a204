// TypeScript discovery peers in child processes (support/discovery-worker.ts), for the tests
// that kill a process or spread registrations over several.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ServiceInstanceInit } from '@zk-recipes/discovery';
import { timing } from '@zk-recipes/testing';

const script = fileURLToPath(new URL('./discovery-worker.js', import.meta.url));

interface Reply {
  op: string;
  error?: string;
  caches?: Record<string, string[]>;
}

export class DiscoveryWorker implements AsyncDisposable {
  private readonly replies: Reply[] = [];
  private wake: (() => void) | undefined;
  private readonly exited: Promise<unknown>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = once(child, 'exit');
    child.on('message', (m: Reply) => {
      this.replies.push(m);
      this.wake?.();
    });
  }

  /** A child process with its own client (session timeout `sessionTimeoutMs`) and discovery. */
  static async start(
    connectString: string,
    basePath: string,
    sessionTimeoutMs = 10_000,
  ): Promise<DiscoveryWorker> {
    const child = fork(script, [connectString, basePath, String(sessionTimeoutMs)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const w = new DiscoveryWorker(child);
    try {
      await w.reply('ready');
    } catch (e) {
      await w[Symbol.asyncDispose]();
      throw e;
    }
    return w;
  }

  get pid(): number {
    return this.child.pid!;
  }

  async register(instances: ServiceInstanceInit<unknown>[]): Promise<void> {
    this.child.send({ op: 'register', instances });
    await this.reply('registered');
  }

  /** Starts a ServiceCache on each service (loaded when this resolves). */
  async watch(names: string[]): Promise<void> {
    this.child.send({ op: 'watch', names });
    await this.reply('watching');
  }

  /** The ids each of the worker's caches holds now. */
  async snapshot(): Promise<Record<string, string[]>> {
    this.child.send({ op: 'snapshot' });
    return (await this.reply('snapshot')).caches!;
  }

  async close(): Promise<void> {
    this.child.send({ op: 'close' });
    await this.reply('closed');
    await this.exited;
  }

  /** SIGKILL: the process dies without closing anything. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private async reply(op: string): Promise<Reply> {
    const deadline = Date.now() + timing.ms(60_000);
    for (;;) {
      const r = this.replies.shift();
      if (r) {
        if (r.op !== op)
          throw new Error(`discovery worker: expected ${op}, got ${JSON.stringify(r)}`);
        return r;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`discovery worker exited before ${op}`);
      if (Date.now() > deadline) throw new Error(`discovery worker: no ${op} in time`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
