import net from 'node:net';

/**
 * The version of the server at host:port, from the `srvr` four-letter word (in ZooKeeper's
 * default whitelist since 3.5.3). Undefined when it cannot be had; callers then let the server
 * answer for itself.
 */
export function queryServerVersion(
  host: string,
  port: number,
  timeoutMs = 2000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    socket.unref();
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    timer.unref();
    socket.on('connect', () => socket.end('srvr'));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(/^Zookeeper version: (\d+\.\d+\.\d+)/m.exec(Buffer.concat(chunks).toString())?.[1]);
    });
  });
}

/** -1, 0 or 1 as `a` is older than, equal to or newer than `b` (`major.minor.patch`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** What a session knows of its server's version: learned after each connect, asked per request. */
export class ServerVersion {
  /** The version of the server last connected to, once known. */
  value: string | undefined;
  private readonly atLeast = new Map<string, boolean>();

  /** Asks the server at host:port (not awaited: until it answers, the version is unknown). */
  learn(host: string, port: number): void {
    void queryServerVersion(host, port).then((v) => {
      if (!v) return;
      this.value = v;
      this.atLeast.clear();
    });
  }

  /** Whether the server is known to be at least `version`; true while its version is unknown. */
  isAtLeast(version: string): boolean {
    const v = this.value;
    if (v === undefined) return true;
    let ok = this.atLeast.get(version); // memoized: asked on every create
    if (ok === undefined) {
      ok = compareVersions(v, version) >= 0;
      this.atLeast.set(version, ok);
    }
    return ok;
  }
}
