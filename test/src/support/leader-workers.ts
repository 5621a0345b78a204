// Curator election participants in a JVM (test/java/CuratorLeaderWorker.java): a Java
// LeaderLatch or LeaderSelector on its own session, which reports its leadership changes and
// answers questions (participants, hasLeadership) over stdin/stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { timing } from '@zk-recipes/testing';
import { compiledJava } from './java.js';

/** One participant as Curator's getParticipants() reports it. */
export interface ReportedParticipant {
  id: string;
  isLeader: boolean;
}

/** The first word of the worker's answer to each command. */
const ANSWERS = {
  start: 'started',
  participants: 'participants',
  has: 'has',
  release: 'released',
  close: 'closed',
} as const;

export class JavaLeaderWorker implements AsyncDisposable {
  /** Whether the worker's last report was `leader` (until `notleader` or close). */
  leading = false;
  /** The czxid of its node at each time it became leader, in order. */
  readonly epochs: bigint[] = [];
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  private readonly exited: Promise<unknown>;

  private constructor(
    readonly id: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = once(child, 'exit');
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const [word, arg] = line.split(' ');
      if (word === 'leader') {
        this.leading = true;
        this.epochs.push(BigInt(arg ?? '0'));
      } else if (word === 'notleader') {
        this.leading = false;
      } else {
        this.lines.push(line);
        this.waiter?.();
      }
    });
  }

  /**
   * Starts a JVM with a Curator `mode` participant (`latch` or `selector`) for the election at
   * `path`, connected; it joins the election on join().
   */
  static async start(
    id: string,
    connectString: string,
    path: string,
    mode: 'latch' | 'selector',
  ): Promise<JavaLeaderWorker> {
    const classPath = compiledJava('CuratorLeaderWorker');
    const child = spawn(
      'java',
      ['-cp', classPath, 'CuratorLeaderWorker', connectString, path, mode, id],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const worker = new JavaLeaderWorker(id, child);
    try {
      await worker.reply('ready');
    } catch (e) {
      await worker[Symbol.asyncDispose]();
      throw e;
    }
    return worker;
  }

  /** Starts the recipe: the participant joins the election (at the back of the line). */
  async join(): Promise<void> {
    await this.ask('start');
  }

  /** Curator's getParticipants(), in its order. */
  async participants(): Promise<ReportedParticipant[]> {
    const line = await this.ask('participants');
    return line
      .split(' ')
      .slice(1)
      .map((p) => {
        const i = p.lastIndexOf(':');
        return { id: p.slice(0, i), isLeader: p.slice(i + 1) === 'true' };
      });
  }

  /** Selector only: takeLeadership returns (without requeueing, the worker leaves the line). */
  async release(): Promise<void> {
    await this.ask('release');
  }

  /** Curator's hasLeadership(). */
  async hasLeadership(): Promise<boolean> {
    return (await this.ask('has')) === 'has true';
  }

  /** Closes the recipe and its client; resolves once the JVM has exited. */
  async close(): Promise<void> {
    await this.ask('close');
    this.leading = false;
    await this.exited;
  }

  /** Kills the JVM if it still runs (however the test ended) and waits for its exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private async ask(command: keyof typeof ANSWERS): Promise<string> {
    this.child.stdin!.write(`${command}\n`);
    return this.reply(ANSWERS[command]);
  }

  /** The next answer line starting with `word` (answers come in the order asked). */
  private async reply(word: string): Promise<string> {
    const deadline = Date.now() + timing.ms(30_000);
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        if (line.split(' ')[0] !== word)
          throw new Error(`${this.id}: expected ${word}, got ${line}`);
        return line;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`${this.id}: the JVM exited before answering ${word}`);
      }
      if (Date.now() > deadline) throw new Error(`${this.id}: no ${word} from the JVM in time`);
      // Woken by the next line, or after a while to notice an exit or the deadline.
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 100);
        this.waiter = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.waiter = undefined;
    }
  }
}
