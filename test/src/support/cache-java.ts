// A Curator CuratorCache in a JVM (test/java/CuratorCacheWorker.java), driven line by line.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { compiledJava } from './java.js';

export class JavaCache implements AsyncDisposable {
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      this.lines.push(l);
      this.waiter?.();
    });
  }

  /** Starts the JVM with a CuratorCache on `path`; resolves once it is initialized. */
  static async start(connectString: string, path: string): Promise<JavaCache> {
    const classPath = compiledJava('CuratorCacheWorker');
    const child = spawn('java', ['-cp', classPath, 'CuratorCacheWorker', connectString, path], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const j = new JavaCache(child);
    try {
      const first = await j.next(60_000);
      if (first !== 'ready') throw new Error(`the Java cache said ${first}`);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    return j;
  }

  private async next(timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.child.exitCode !== null) throw new Error('the Java cache exited');
      const left = end - Date.now();
      if (left <= 0) throw new Error('the Java cache did not answer');
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
      this.waiter = undefined;
    }
    return this.lines.shift()!;
  }

  private send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** The Java cache's content: path -> data (UTF-8). */
  async dump(): Promise<Map<string, string>> {
    this.send('dump');
    const out = new Map<string, string>();
    for (;;) {
      const l = await this.next();
      if (l === 'end') return out;
      const [, path, b64] = l.split(' ');
      out.set(path!, Buffer.from(b64 ?? '', 'base64').toString('utf8'));
    }
  }

  /** Curator's setData (or create with parents) of UTF-8 `text`. */
  async set(path: string, text: string): Promise<void> {
    this.send(`set ${path} ${text}`);
    const l = await this.next();
    if (l !== 'ok') throw new Error(`set: ${l}`);
  }

  /** What Curator's getData reads, as UTF-8; undefined when absent. */
  async get(path: string): Promise<string | undefined> {
    this.send(`get ${path}`);
    const l = await this.next();
    if (l === 'none') return undefined;
    return Buffer.from(l.slice('data '.length), 'base64').toString('utf8');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.send('close');
    const exited = once(this.child, 'exit');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
