// A Curator client in a JVM holding recipe state on command (test/java/CuratorStateHolder.java):
// locks, leaders, queue items, service instances, counters, written by real Curator, for the
// CLI's inspection tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { compileCuratorProgram, CURATOR_DISCOVERY_JARS, timing } from '@zk-recipes/testing';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../java/CuratorStateHolder.java', import.meta.url));

export class CuratorStateHolder implements AsyncDisposable {
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  private readonly exited: Promise<unknown>;
  /** The Curator session's id, `0x...` as the CLI prints it. */
  sessionId = '';

  private constructor(private readonly child: ChildProcess) {
    this.exited = once(child, 'exit');
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiter?.();
    });
  }

  /** A connected Curator client in a new JVM. */
  static async start(connectString: string): Promise<CuratorStateHolder> {
    const classPath = compileCuratorProgram(source, { jars: CURATOR_DISCOVERY_JARS });
    const child = spawn('java', ['-cp', classPath, 'CuratorStateHolder', connectString], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const holder = new CuratorStateHolder(child);
    try {
      holder.sessionId = (await holder.next()).split(' ')[1]!;
    } catch (e) {
      await holder[Symbol.asyncDispose]();
      throw e;
    }
    return holder;
  }

  private async next(): Promise<string> {
    const deadline = Date.now() + timing.ms(30_000);
    while (this.lines.length === 0) {
      if (this.child.exitCode !== null) throw new Error('the Curator holder exited');
      if (Date.now() > deadline) throw new Error('the Curator holder did not answer');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 200).unref();
      });
    }
    return this.lines.shift()!;
  }

  private turn: Promise<unknown> = Promise.resolve();

  /**
   * Sends one command (see the Java file) and returns its answer; rejects unless it worked.
   * Commands from tests running at once are sent one after another (one answer each).
   */
  do(...words: string[]): Promise<string> {
    const run = async () => {
      this.child.stdin!.write(`${words.join(' ')}\n`);
      const answer = await this.next();
      if (answer.startsWith('unknown')) throw new Error(`Curator holder: ${answer}`);
      return answer;
    };
    const result = this.turn.then(run, run);
    this.turn = result.catch(() => undefined);
    return result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end('close\n');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timing.ms(10_000));
      await this.exited;
      clearTimeout(timer);
    }
  }
}
