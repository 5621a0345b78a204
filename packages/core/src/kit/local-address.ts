import os from 'node:os';

/**
 * The first non-internal IPv4 address: Curator's default node data (the framework's local
 * address), written by recipes whose nodes Curator peers may read (locks, barriers, members).
 */
export function localAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
