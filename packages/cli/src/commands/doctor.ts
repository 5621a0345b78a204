/**
 * `doctor`: can this machine use the ensemble, and how is it set up. Connects and reports the
 * time to connect, the server's version and mode (`srvr`), the session timeout the server
 * granted, whether TTL nodes are enabled, the round-trip time, and which four-letter words
 * the server allows. Writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fourLetterWord, NoNodeError, UnimplementedError, type ZkClient } from '@zk-recipes/core';
import type { GlobalOptions } from '../args.js';
import { CLI_SESSION_TIMEOUT_MS, connect, connectStringOf } from '../connect.js';
import { jsonText, type Io } from '../io.js';
import { sessionHex } from '../layouts/nodes.js';

/** The four-letter words asked about: those tools and monitoring use. */
export const WORDS = [
  'srvr',
  'stat',
  'ruok',
  'conf',
  'cons',
  'mntr',
  'envi',
  'wchs',
  'dirs',
  'isro',
] as const;

const RTT_SAMPLES = 7;

/**
 * Whether the server creates TTL nodes, asked without writing: a TTL create under a parent
 * that does not exist is refused with UNIMPLEMENTED when extended types are off (the server
 * checks that first) and with NONODE when they are on.
 */
async function ttlEnabled(client: ZkClient): Promise<boolean | null> {
  try {
    await client.create(`/zk-recipes-doctor-${randomUUID()}/ttl-probe`, '', {
      mode: 'PERSISTENT_WITH_TTL',
      ttlMs: 1000,
    });
  } catch (e) {
    if (e instanceof NoNodeError) return true;
    if (e instanceof UnimplementedError) return false;
    return null;
  }
  return null; // created: cannot happen without its parent
}

async function rtt(
  client: ZkClient,
): Promise<{ medianMs: number; minMs: number; maxMs: number; samples: number }> {
  const times: number[] = [];
  for (let i = 0; i < RTT_SAMPLES; i++) {
    const t = performance.now();
    await client.exists('/');
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    medianMs: round(times[Math.floor(times.length / 2)]!),
    minMs: round(times[0]!),
    maxMs: round(times[times.length - 1]!),
    samples: times.length,
  };
}

export async function doctor(o: GlobalOptions, io: Io): Promise<void> {
  const began = performance.now();
  const client = await connect(o, io.env, { namespace: false });
  try {
    const connectMs = Math.round(performance.now() - began);
    const server = client.connectedServer!;
    const session = client.session!;
    const words = Object.fromEntries(
      await Promise.all(
        WORDS.map(async (w) => {
          try {
            return [
              w,
              (await fourLetterWord(server, w, { timeoutMs: o.timeoutMs })).allowed,
            ] as const;
          } catch {
            return [w, null] as const;
          }
        }),
      ),
    ) as Record<(typeof WORDS)[number], boolean | null>;
    let version: string | null = null;
    let mode: string | null = null;
    if (words.srvr) {
      const { text } = await fourLetterWord(server, 'srvr', { timeoutMs: o.timeoutMs });
      version = /^Zookeeper version: ([^,\n]+)/m.exec(text)?.[1] ?? null;
      mode = /^Mode: (\S+)/m.exec(text)?.[1] ?? null;
    }
    const report = {
      connectString: connectStringOf(o, io.env),
      connected: { server, ms: connectMs, sessionId: sessionHex(session.sessionId) },
      server: { version, mode, clientSideVersion: client.serverVersion ?? null },
      session: {
        requestedTimeoutMs: CLI_SESSION_TIMEOUT_MS,
        negotiatedTimeoutMs: session.negotiatedTimeoutMs,
      },
      ttlNodes: await ttlEnabled(client),
      rtt: await rtt(client),
      fourLetterWords: words,
    };
    if (o.json) {
      io.stdout.write(`${jsonText(report)}\n`);
      return;
    }
    const allowed = WORDS.filter((w) => words[w] === true);
    const refused = WORDS.filter((w) => words[w] === false);
    const yesNo = (v: boolean | null, yes: string, no: string) =>
      v === null ? 'unknown' : v ? yes : no;
    const lines = [
      `connect        ok: ${server} in ${connectMs} ms (session ${report.connected.sessionId})`,
      `server         ${version ?? 'version unknown (srvr not allowed)'}${mode ? `, mode ${mode}` : ''}`,
      `session        timeout ${session.negotiatedTimeoutMs} ms granted (${CLI_SESSION_TIMEOUT_MS} ms asked)`,
      `ttl nodes      ${yesNo(report.ttlNodes, 'enabled (extendedTypesEnabled=true)', 'disabled (extendedTypesEnabled is off)')}`,
      `rtt            median ${report.rtt.medianMs} ms (min ${report.rtt.minMs}, max ${report.rtt.maxMs}, ${report.rtt.samples} requests)`,
      `four-letter    allowed: ${allowed.join(' ') || 'none'}${refused.length ? `; refused: ${refused.join(' ')}` : ''}`,
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await client.close({ timeoutMs: 1000 });
  }
}
