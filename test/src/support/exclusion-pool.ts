// The test side of support/exclusion-worker.ts: starts N workers, keeps what they report
// (states, the latest session credentials), and lets the test pin a holder, stop, and exit.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SessionCredentials } from '@zk-recipes/testing';
import type { FromWorker, ToWorker, WorkerConfig, WorkerStats } from './exclusion-worker.js';

const script = fileURLToPath(new URL('./exclusion-worker.js', import.meta.url));

export class ExclusionWorker {
  readonly states: { state: string; sessionId: bigint; at: number }[] = [];
  session: (SessionCredentials & { sessionId: bigint }) | undefined;
  stats: WorkerStats | undefined;
  readonly exited: Promise<number | null>;
  private waiters: {
    type: FromWorker['type'];
    resolve: (m: FromWorker) => void;
    reject: (e: Error) => void;
  }[] = [];

  constructor(
    readonly who: string,
    readonly child: ChildProcess,
  ) {
    this.exited = once(child, 'exit').then(([code]) => {
      // Whatever the test still waits for will not come.
      for (const w of this.waiters.splice(0)) {
        w.reject(new Error(`worker ${who} exited (${String(code)}) before sending ${w.type}`));
      }
      return code as number | null;
    });
    child.on('message', (m: FromWorker) => {
      if (m.type === 'state') {
        this.states.push({ state: m.state, sessionId: BigInt(m.sessionId), at: m.at });
      } else if (m.type === 'session') {
        this.session = {
          sessionId: BigInt(m.sessionId),
          password: Buffer.from(m.password, 'base64'),
        };
      } else if (m.type === 'done') {
        this.stats = m.stats;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    });
  }

  send(m: ToWorker): void {
    if (this.child.connected) this.child.send(m);
  }

  /** The next message of this type. */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) =>
      this.waiters.push({ type, resolve: resolve as (m: FromWorker) => void, reject }),
    );
  }

  /** Asks the worker to keep its next grant; resolves once it holds (with its server). */
  async pin(): Promise<Extract<FromWorker, { type: 'pinned' }>> {
    const pinned = this.next('pinned');
    this.send({ cmd: 'pin' });
    return pinned;
  }

  /** The session id of the worker's current session. */
  get sessionId(): bigint | undefined {
    return this.session?.sessionId;
  }
}

export class ExclusionPool implements AsyncDisposable {
  private constructor(readonly workers: ExclusionWorker[]) {}

  /** Starts one worker per config and waits until each is connected. */
  static async start(configs: WorkerConfig[]): Promise<ExclusionPool> {
    const workers = configs.map(
      (c) =>
        new ExclusionWorker(
          c.who,
          fork(script, [JSON.stringify(c)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
        ),
    );
    const pool = new ExclusionPool(workers);
    try {
      await Promise.all(workers.map((w) => w.next('session')));
    } catch (e) {
      await pool[Symbol.asyncDispose]();
      throw e;
    }
    return pool;
  }

  get(i: number): ExclusionWorker {
    return this.workers[i]!;
  }

  /** Waits until every worker has finished its rounds (or was stopped); returns their stats. */
  async done(): Promise<WorkerStats[]> {
    return Promise.all(this.workers.map(async (w) => w.stats ?? (await w.next('done')).stats));
  }

  stop(): void {
    for (const w of this.workers) w.send({ cmd: 'stop' });
  }

  /** Lets every worker close its client and exit; returns the exit codes. */
  async exit(): Promise<(number | null)[]> {
    for (const w of this.workers) w.send({ cmd: 'exit' });
    return Promise.all(this.workers.map((w) => w.exited));
  }

  /** Kills whatever worker is still running (a failed test must not leave processes). */
  async [Symbol.asyncDispose](): Promise<void> {
    for (const w of this.workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    }
    await Promise.all(this.workers.map((w) => w.exited));
  }
}
