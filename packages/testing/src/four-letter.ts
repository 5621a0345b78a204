import net from 'node:net';

/**
 * Sends a four-letter word (`srvr`, `wchc`, `wchp`, `cons`, ...) to a server and returns its
 * answer. The testing servers whitelist all of them.
 */
export function fourLetterWord(
  host: string,
  port: number,
  word: string,
  timeoutMs = 3000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`four-letter word ${word} to ${host}:${port} timed out`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(word));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** The `Mode:` line of `srvr`: standalone, leader, follower; undefined while not serving. */
export async function serverMode(host: string, port: number): Promise<string | undefined> {
  try {
    const out = await fourLetterWord(host, port, 'srvr', 1000);
    return /^Mode: (\w+)/m.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** Parses `wchc` output (session id in hex, then tab-indented paths) into a map. */
export function parseWatchesBySession(out: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of out.split('\n')) {
    if (/^0x[0-9a-f]+/i.test(line)) {
      current = [];
      map.set(line.trim().toLowerCase(), current);
    } else if (line.startsWith('\t') && current) {
      current.push(line.trim());
    }
  }
  return map;
}
