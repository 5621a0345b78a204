// A Java service on curator-x-discovery in a JVM (test/java/CuratorDiscoveryWorker.java): a
// ServiceDiscovery typed with its own payload class, driven over stdin/stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { CURATOR_DISCOVERY_JARS, timing } from '@zk-recipes/testing';
import { compiledJava } from './java.js';

/** The Java payload class's name, as Jackson writes it in "@class". */
export const JAVA_DETAILS_CLASS = 'CuratorDiscoveryWorker$Details';

/** What the JVM is told to build an instance from (its uriSpec a template). */
export interface JavaSpec {
  name: string;
  id: string;
  address: string | null;
  port: number | null;
  sslPort: number | null;
  payload: { description: string; weight: number } | null;
  registrationTimeUTC: number;
  serviceType: string;
  uriSpec: string | null;
}

/** An instance as the Java side reports it (its payload's fields, its built URI). */
export interface JavaSeen {
  name: string;
  id: string;
  address: string | null;
  port: number | null;
  sslPort: number | null;
  description: string | null;
  weight: number | null;
  serviceType: string;
  uri: string | null;
}

export class JavaDiscovery implements AsyncDisposable {
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  private readonly exited: Promise<unknown>;
  /** How many cacheChanged() calls each Java ServiceCache made. */
  readonly changed = new Map<string, number>();

  private constructor(private readonly child: ChildProcess) {
    this.exited = once(child, 'exit');
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('changed ')) {
        const name = line.slice(8);
        this.changed.set(name, (this.changed.get(name) ?? 0) + 1);
        return;
      }
      this.lines.push(line);
      this.waiter?.();
    });
  }

  static async start(connectString: string, basePath: string): Promise<JavaDiscovery> {
    const cp = compiledJava('CuratorDiscoveryWorker', CURATOR_DISCOVERY_JARS);
    const child = spawn('java', ['-cp', cp, 'CuratorDiscoveryWorker', connectString, basePath], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const j = new JavaDiscovery(child);
    try {
      await j.reply('ready');
    } catch (e) {
      await j[Symbol.asyncDispose]();
      throw e;
    }
    return j;
  }

  async register(spec: JavaSpec): Promise<void> {
    await this.ask(`register ${JSON.stringify(spec)}`, 'registered');
  }

  async unregister(spec: JavaSpec): Promise<void> {
    await this.ask(`unregister ${JSON.stringify(spec)}`, 'unregistered');
  }

  /** JsonInstanceSerializer's bytes for the instance. */
  async serialize(spec: JavaSpec): Promise<Buffer> {
    const line = await this.ask(`serialize ${JSON.stringify(spec)}`, 'serialized');
    return Buffer.from(line.slice('serialized '.length), 'base64');
  }

  /** queryForInstances(name), as the Java side sees them. */
  async query(name: string): Promise<JavaSeen[]> {
    const line = await this.ask(`query ${name}`, 'query');
    return JSON.parse(line.slice('query '.length)) as JavaSeen[];
  }

  /** Starts a Java ServiceCache on `name`. */
  async cache(name: string): Promise<void> {
    await this.ask(`cache ${name}`, 'cached');
  }

  /** The Java ServiceCache's getInstances(). */
  async cached(name: string): Promise<JavaSeen[]> {
    const line = await this.ask(`cached ${name}`, 'cached');
    return JSON.parse(line.slice('cached '.length)) as JavaSeen[];
  }

  async close(): Promise<void> {
    await this.ask('close', 'closed');
    await this.exited;
  }

  private async ask(command: string, word: string): Promise<string> {
    this.child.stdin!.write(`${command}\n`);
    return this.reply(word);
  }

  private async reply(word: string): Promise<string> {
    const deadline = Date.now() + timing.ms(30_000);
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        if (line.split(' ')[0] !== word)
          throw new Error(`Java discovery: expected ${word}, got ${line}`);
        return line;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`Java discovery exited before ${word}`);
      if (Date.now() > deadline) throw new Error(`Java discovery: no ${word} in time`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
      this.waiter = undefined;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
