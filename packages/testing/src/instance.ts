import fs from 'node:fs';
import path from 'node:path';
import { ServerStartError } from './errors.js';
import { DirGuard } from './dir-guard.js';
import { serverMode } from './four-letter.js';
import { JvmProcess } from './jvm.js';
import type { ZooKeeperInstall } from './locate.js';
import { jvmArgs, type ServerProgram, type ServerTuning } from './server-config.js';

/**
 * Temporary folders of servers not yet closed; removed if the process exits first (the 'exit'
 * handler), or is ended by a signal or a crash (each folder's {@link DirGuard}).
 */
const liveDirs = new Map<string, DirGuard>();
let exitHookInstalled = false;
function trackDir(dir: string): void {
  liveDirs.set(dir, new DirGuard(dir));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const d of liveDirs.keys()) fs.rmSync(d, { recursive: true, force: true });
  });
}
export function untrackDir(dir: string): void {
  const guard = liveDirs.get(dir);
  liveDirs.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  guard?.release();
}
export { trackDir };

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One ZooKeeper server process with its own folder (config, data, log), started and stopped
 * on demand. {@link TestingServer} is one of these; {@link TestingCluster} is N.
 */
export class ServerInstance {
  private jvm: JvmProcess | undefined;
  readonly cfgFile: string;
  readonly logFile: string;

  constructor(
    readonly dir: string,
    readonly clientPort: number,
    private readonly install: ZooKeeperInstall,
    private readonly tuning: ServerTuning,
    /** Removed by the JVM's guard if this process dies while the JVM runs: `dir` or its parent. */
    private readonly orphanDir: string = dir,
    /** Run instead of ZooKeeper's own main class. */
    private readonly program?: ServerProgram,
  ) {
    this.cfgFile = path.join(dir, 'zoo.cfg');
    this.logFile = path.join(dir, 'server.log');
  }

  get connectString(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  /** The JVM's process id while it runs. */
  get pid(): number | undefined {
    return this.jvm?.alive ? this.jvm.pid : undefined;
  }

  get running(): boolean {
    return this.jvm?.alive ?? false;
  }

  /** Starts the JVM and waits until `srvr` reports one of `modes`. */
  async start(modes: readonly string[], timeoutMs: number): Promise<void> {
    if (this.running) return;
    fs.appendFileSync(this.logFile, `\n==== start ${new Date().toISOString()}\n`);
    const logFrom = fs.statSync(this.logFile).size;
    const jvm = new JvmProcess({
      java: this.install.java,
      args: jvmArgs(this.tuning, this.install.classPath, this.cfgFile, this.program),
      logFile: this.logFile,
      cwd: this.dir,
      orphanDir: this.orphanDir,
    });
    this.jvm = jvm;
    let exited = false;
    void jvm.exited.then(() => (exited = true));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exited) {
        throw new ServerStartError(
          `ZooKeeper on port ${this.clientPort} exited while starting`,
          tail(this.logFile),
        );
      }
      const mode = await serverMode('127.0.0.1', this.clientPort);
      if (mode !== undefined && modes.includes(mode) && this.saidReady(logFrom)) return;
      await sleep(50);
    }
    await jvm.kill();
    throw new ServerStartError(
      `ZooKeeper on port ${this.clientPort} was not serving after ${timeoutMs} ms`,
      tail(this.logFile),
    );
  }

  /** Whether the program wrote its ready line since `from` (always, without one). */
  private saidReady(from: number): boolean {
    const line = this.program?.readyLine;
    if (line === undefined) return true;
    const fd = fs.openSync(this.logFile, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const b = Buffer.alloc(Math.max(0, size - from));
      fs.readSync(fd, b, 0, b.length, from);
      return b.toString('utf8').split('\n').includes(line);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** True when the last start failed because the port was taken by someone else. */
  portWasTaken(): boolean {
    return /Address already in use|BindException/.test(tail(this.logFile, 60));
  }

  async stop(): Promise<void> {
    await this.jvm?.stop();
  }

  async kill(): Promise<void> {
    await this.jvm?.kill();
  }

  async mode(): Promise<string | undefined> {
    return this.running ? serverMode('127.0.0.1', this.clientPort) : undefined;
  }

  logTail(lines?: number): string {
    return tail(this.logFile, lines);
  }
}
