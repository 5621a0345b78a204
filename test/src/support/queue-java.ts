// A Curator queue peer in a JVM (test/java/CuratorQueueWorker.java), driven line by line: it
// produces to and consumes from Curator's queues, and reports each message it handles.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { compiledJava } from './java.js';

export type JavaQueueKind = 'plain' | 'multi' | 'priority' | 'delay' | 'id' | 'simple';

export class JavaQueuePeer implements AsyncDisposable {
  /** Values whose consumeMessage started / returned, in order. */
  readonly got: string[] = [];
  readonly done: string[] = [];
  private readonly waiters: { word: string; resolve: () => void }[] = [];
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const space = line.indexOf(' ');
      const word = space < 0 ? line : line.slice(0, space);
      const rest = space < 0 ? '' : line.slice(space + 1);
      if (word === 'got') this.got.push(rest);
      else if (word === 'done') this.done.push(rest);
      else {
        const i = this.waiters.findIndex((w) => w.word === word);
        if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve();
      }
      for (const l of [...this.listeners]) l();
    });
  }

  static start(connectString: string): JavaQueuePeer {
    const classPath = compiledJava('CuratorQueueWorker');
    const child = spawn('java', ['-cp', classPath, 'CuratorQueueWorker', connectString], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new JavaQueuePeer(child);
  }

  private command(line: string, reply: string): Promise<void> {
    const p = new Promise<void>((resolve) => this.waiters.push({ word: reply, resolve }));
    this.child.stdin!.write(`${line}\n`);
    return p;
  }

  produce(kind: JavaQueueKind, path: string, lockPath: string | undefined, items: string[]) {
    return this.command(`produce ${kind} ${path} ${lockPath ?? '-'} ${items.join(' ')}`, 'put');
  }

  consume(kind: JavaQueueKind, path: string, lockPath: string | undefined, holdMs = 0) {
    return this.command(`consume ${kind} ${path} ${lockPath ?? '-'} ${holdMs}`, 'ready');
  }

  stop(): Promise<void> {
    return this.command('stop', 'stopped');
  }

  /** Resolves once `done` holds at least `n` values. */
  async waitDone(n: number): Promise<void> {
    while (this.done.length < n) {
      await new Promise<void>((resolve) => {
        const l = () => {
          this.listeners.delete(l);
          resolve();
        };
        this.listeners.add(l);
      });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin!.write('exit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
