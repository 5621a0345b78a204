import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * The OS's range of ephemeral ports (the source ports of outgoing connections). A server port
 * picked inside it can be taken as a source port by any connection made before the server
 * binds it, and a quorum member then dies with "Address already in use" (seen when several
 * suites ran on one machine). Ports are picked below it.
 */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    /* not Linux: the common default */
  }
  return [32768, 60999];
}

function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(addr && typeof addr === 'object' ? addr.port : undefined));
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: a random one below the ephemeral range
 * where one is free, else one the OS picks.
 */
export async function freePort(): Promise<number> {
  const [lo] = ephemeralRange();
  const floor = 10_000;
  if (lo - floor > 1000) {
    for (let i = 0; i < 20; i++) {
      const port = await listenOn(floor + Math.floor(Math.random() * (lo - floor)));
      if (port !== undefined) return port;
    }
  }
  const port = await listenOn(0);
  if (port === undefined) throw new Error('no free port');
  return port;
}
