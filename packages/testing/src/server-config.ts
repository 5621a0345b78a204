/** Options shared by {@link TestingServer} and {@link TestingCluster}. */
export interface ServerTuning {
  /** ZooKeeper's tick; session expiry is checked at this granularity. Default 250 ms. */
  tickTimeMs?: number;
  /** Smallest session timeout the server grants. Default 2 ticks (500 ms). */
  minSessionTimeoutMs?: number;
  /** Largest session timeout the server grants. Default 60 s. */
  maxSessionTimeoutMs?: number;
  /** fsync each transaction. Default false for tests (benchmarks turn it on). */
  forceSync?: boolean;
  /** The server's `jute.maxbuffer` (largest packet), in bytes. Default: ZooKeeper's 1 MiB. */
  juteMaxBuffer?: number;
  /** How often containers and TTL nodes are checked for removal. Default 1000 ms. */
  containerCheckIntervalMs?: number;
  /**
   * JVM tuned to start fast (C1 only, serial GC): right for tests. Set false for benchmarks,
   * so the server runs at the speed production servers do.
   */
  fastStart?: boolean;
  /** Extra zoo.cfg lines. */
  extraConfig?: Record<string, string | number | boolean>;
}

export function zooCfg(
  tuning: ServerTuning,
  fields: Record<string, string | number | boolean>,
): string {
  const tick = tuning.tickTimeMs ?? 250;
  const cfg: Record<string, string | number | boolean> = {
    tickTime: tick,
    minSessionTimeout: tuning.minSessionTimeoutMs ?? 2 * tick,
    maxSessionTimeout: tuning.maxSessionTimeoutMs ?? 60_000,
    forceSync: tuning.forceSync === true ? 'yes' : 'no',
    // Preallocating 64 MiB per transaction log costs disk and time in short-lived test servers.
    preAllocSize: 1024,
    maxClientCnxns: 0,
    'admin.enableServer': false,
    '4lw.commands.whitelist': '*',
    // Needed for TTL nodes (create with TTL is refused unless extended types are on).
    extendedTypesEnabled: true,
    ...fields,
    ...tuning.extraConfig,
  };
  return Object.entries(cfg)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n');
}

/** A server program other than ZooKeeper's own main class (a TestingServer's `presetNodes`). */
export interface ServerProgram {
  /** Class path entries before the install's. */
  classPath: readonly string[];
  mainClass: string;
  /** Arguments after the config file. */
  args: readonly string[];
  /** JVM options of its own (`-D...`). */
  jvmOptions?: readonly string[];
  /** A line the program writes to its output once it is ready, after the server serves. */
  readyLine?: string;
}

export function jvmArgs(
  tuning: ServerTuning,
  classPath: string,
  cfgFile: string,
  program?: ServerProgram,
): string[] {
  // Short-lived servers on a small machine: fast start matters more than peak throughput.
  const fast = tuning.fastStart === false ? [] : ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
  const args = [
    '-Xms32m',
    '-Xmx256m',
    ...fast,
    '-XX:-UsePerfData',
    '-Djava.net.preferIPv4Stack=true',
    '-Dzookeeper.jmx.log4j.disable=true',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    `-Dznode.container.checkIntervalMs=${tuning.containerCheckIntervalMs ?? 1000}`,
    '-Dznode.container.maxPerMinute=100000',
    // Election connections to a dead peer give up quickly on loopback.
    '-Dzookeeper.cnxTimeout=1000',
  ];
  if (tuning.juteMaxBuffer !== undefined) args.push(`-Djute.maxbuffer=${tuning.juteMaxBuffer}`);
  if (program) {
    args.push(...(program.jvmOptions ?? []));
    args.push('-cp', [...program.classPath, classPath].join(':'), program.mainClass, cfgFile);
    args.push(...program.args);
    return args;
  }
  args.push('-cp', classPath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfgFile);
  return args;
}
