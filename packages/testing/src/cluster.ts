import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerInstance, trackDir, untrackDir } from './instance.js';
import { locateZooKeeper, type ZooKeeperInstall } from './locate.js';
import { freePort } from './ports.js';
import { zooCfg, type ServerTuning } from './server-config.js';

export interface TestingClusterOptions extends ServerTuning {
  /** Number of servers. Default 3. */
  size?: number;
  /** Start-to-ready limit for the whole ensemble. Default 60 s. */
  startTimeoutMs?: number;
  install?: ZooKeeperInstall;
}

const QUORUM_MODES = ['leader', 'follower'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real N-server ZooKeeper ensemble on loopback. Servers are numbered from 0 in this API
 * (their ZooKeeper `myid` is index + 1).
 *
 * @example
 * await using cluster = await TestingCluster.start({ size: 3 });
 * await cluster.kill(await cluster.leader());
 */
export class TestingCluster {
  private closed = false;

  private constructor(
    private readonly servers: ServerInstance[],
    private readonly startTimeoutMs: number,
    readonly root: string,
  ) {}

  /** Starts an ensemble (3 servers by default); resolves once every member serves as leader or follower. */
  static async start(options: TestingClusterOptions = {}): Promise<TestingCluster> {
    const install = options.install ?? locateZooKeeper();
    const size = options.size ?? 3;
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-recipes-cluster-'));
    trackDir(root);
    const ports: { client: number; peer: number; election: number }[] = [];
    for (let i = 0; i < size; i++) {
      ports.push({ client: await freePort(), peer: await freePort(), election: await freePort() });
    }
    const serverLines = Object.fromEntries(
      ports.map((p, i) => [`server.${i + 1}`, `127.0.0.1:${p.peer}:${p.election}`]),
    );
    const servers = ports.map((p, i) => {
      const dir = path.join(root, `server-${i}`);
      const dataDir = path.join(dir, 'data');
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(path.join(dataDir, 'myid'), String(i + 1));
      fs.writeFileSync(
        path.join(dir, 'zoo.cfg'),
        zooCfg(options, {
          dataDir,
          clientPort: p.client,
          clientPortAddress: '127.0.0.1',
          initLimit: 20,
          syncLimit: 10,
          standaloneEnabled: false,
          reconfigEnabled: false,
          ...serverLines,
        }),
      );
      return new ServerInstance(dir, p.client, install, options, root);
    });
    const cluster = new TestingCluster(servers, timeoutMs, root);
    try {
      await Promise.all(servers.map((s) => s.start(QUORUM_MODES, timeoutMs)));
    } catch (e) {
      await cluster.close();
      throw e;
    }
    return cluster;
  }

  get size(): number {
    return this.servers.length;
  }

  /** Every server, comma separated. */
  get connectString(): string {
    return this.servers.map((s) => s.connectString).join(',');
  }

  /** One server's `127.0.0.1:<port>`. */
  connectStringOf(index: number): string {
    return this.server(index).connectString;
  }

  /** The client port of member `index`. */
  portOf(index: number): number {
    return this.server(index).clientPort;
  }

  /** The JVM process id of member `index` while it runs. */
  pidOf(index: number): number | undefined {
    return this.server(index).pid;
  }

  /** Whether member `index`'s JVM runs. */
  isRunning(index: number): boolean {
    return this.server(index).running;
  }

  private server(index: number): ServerInstance {
    const s = this.servers[index];
    if (!s) throw new RangeError(`no server ${index} in a cluster of ${this.servers.length}`);
    return s;
  }

  /** Kills one server at once (SIGKILL), keeping its data. */
  async kill(index: number): Promise<void> {
    await this.server(index).kill();
  }

  /** Stops one server gracefully, keeping its data. */
  async stop(index: number): Promise<void> {
    await this.server(index).stop();
  }

  /**
   * Starts a stopped or killed server again (same ports, same data) and waits until it has
   * joined the quorum as leader or follower.
   */
  async restart(index: number): Promise<void> {
    const s = this.server(index);
    await s.stop();
    await s.start(QUORUM_MODES, this.startTimeoutMs);
  }

  /** The index of the server that leads now, or undefined while there is no leader. */
  async currentLeader(): Promise<number | undefined> {
    const modes = await Promise.all(this.servers.map((s) => s.mode()));
    const i = modes.indexOf('leader');
    return i < 0 ? undefined : i;
  }

  /** Waits until a leader is serving and returns its index. */
  async leader(timeoutMs = this.startTimeoutMs): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = await this.currentLeader();
      if (i !== undefined) return i;
      if (Date.now() > deadline) throw new Error(`no leader after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** The last lines of member `index`'s log, for failure messages. */
  logTail(index: number, lines?: number): string {
    return this.server(index).logTail(lines);
  }

  /** Kills every server and removes all data. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.servers.map((s) => s.kill()));
    untrackDir(this.root);
  }

  /** `await using`: calls `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
