import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerInstance, trackDir, untrackDir } from './instance.js';
import { locateZooKeeper, type ZooKeeperInstall } from './locate.js';
import { freePort } from './ports.js';
import { presetProgram, type PresetNode } from './preset-nodes.js';
import { zooCfg, type ServerTuning } from './server-config.js';

export interface TestingServerOptions extends ServerTuning {
  /** Port to listen on (127.0.0.1). Default: a free one. */
  port?: number;
  /** Start-to-ready limit. Default 30 s (a typical start takes well under a second). */
  startTimeoutMs?: number;
  /** Use this install instead of looking one up. */
  install?: ZooKeeperInstall;
  /**
   * Persistent nodes the server holds, each at its `version`, before it reports ready (made on
   * its first start; a restart finds them as they were left): a node a few writes from the 2^31
   * wrap of its version, which no test could reach by writing. Runs ZooKeeper's standalone
   * server through a small Java program (compiled on first use; needs a JDK's javac).
   */
  presetNodes?: readonly PresetNode[];
}

/**
 * A real standalone ZooKeeper on a loopback port with its own temporary data folder.
 *
 * @example
 * await using server = await TestingServer.start({ tickTimeMs: 200 });
 * const client = createClient({ connectString: server.connectString });
 */
export class TestingServer {
  private closed = false;

  private constructor(
    private readonly instance: ServerInstance,
    private readonly startTimeoutMs: number,
  ) {}

  /** Starts a server and resolves once it serves requests. */
  static async start(options: TestingServerOptions = {}): Promise<TestingServer> {
    const install = options.install ?? locateZooKeeper();
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    // Checked and compiled before any folder or process exists.
    const program = options.presetNodes && presetProgram(install, options.presetNodes);
    for (let attempt = 0; ; attempt++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-recipes-server-'));
      trackDir(dir);
      const port = options.port ?? (await freePort());
      const dataDir = path.join(dir, 'data');
      fs.mkdirSync(dataDir);
      fs.writeFileSync(
        path.join(dir, 'zoo.cfg'),
        zooCfg(options, { dataDir, clientPort: port, clientPortAddress: '127.0.0.1' }),
      );
      const instance = new ServerInstance(dir, port, install, options, dir, program);
      try {
        await instance.start(['standalone'], timeoutMs);
        return new TestingServer(instance, timeoutMs);
      } catch (e) {
        // A free port can be taken between our probe and the JVM's bind: pick another.
        const retry = options.port === undefined && attempt < 3 && instance.portWasTaken();
        untrackDir(dir);
        if (!retry) throw e;
      }
    }
  }

  /** `127.0.0.1:<port>` */
  get connectString(): string {
    return this.instance.connectString;
  }

  get port(): number {
    return this.instance.clientPort;
  }

  /** The server JVM's process id while it runs. */
  get pid(): number | undefined {
    return this.instance.pid;
  }

  get running(): boolean {
    return this.instance.running;
  }

  /** The server's own folder (config, data, log). */
  get dir(): string {
    return this.instance.dir;
  }

  /** Stops the server and keeps its data, so {@link restart} brings the same state back. */
  async stop(): Promise<void> {
    await this.instance.stop();
  }

  /** Kills the server process at once (SIGKILL), keeping its data. */
  async kill(): Promise<void> {
    await this.instance.kill();
  }

  /** Starts the server again on the same port with the same data. */
  async restart(): Promise<void> {
    if (this.closed) throw new Error('TestingServer is closed');
    await this.instance.stop();
    await this.instance.start(['standalone'], this.startTimeoutMs);
  }

  /** The last lines of the server's log, for failure messages. */
  logTail(lines?: number): string {
    return this.instance.logTail(lines);
  }

  /** Stops the server and removes its data. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.instance.kill();
    untrackDir(this.instance.dir);
  }

  /** `await using`: calls `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
