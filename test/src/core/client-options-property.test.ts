// Issue 14: randomised and hostile options and connect strings, fed to createClient and start()
// (and a request when a client connects), give a typed ZkRecipesError or a working client: never
// an uncaught exception or an unhandled rejection (`127.0.0.1:99999` crashed the process).
// Seeded: ZK_PROPERTY_SEED=<n> repeats a run; a failure names its seed and case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createClient,
  noRetry,
  OPEN_ACL_UNSAFE,
  retryNTimes,
  ZkRecipesError,
  type ClientOptions,
} from '@zk-recipes/core';
import { refusedPort } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();
const SEED = Number(process.env.ZK_PROPERTY_SEED ?? 20261205);
const CASES = 60;

/** mulberry32: a small seeded generator, so that a run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const throwing = () => {
  throw new Error('hostile');
};
const noop = () => undefined;

function generator(rand: () => number, live: string, refused: string) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const maybe = <T>(x: () => T, p = 0.5): T | undefined => (rand() < p ? x() : undefined);
  const spaces = () => pick(['', ' ', '  ', '\t']);
  const junk = () =>
    Array.from({ length: 1 + Math.floor(rand() * 12) }, () =>
      pick([...'ab:/,.[]-_ 09\u0000é\u{1F600}%@']),
    ).join('');
  // Each field: values that are fine, and values that must be refused (or fail typed).
  const goodHosts = [live, live, live, refused, 'no-such-host.invalid:2181'];
  const badHosts = [
    '127.0.0.1:99999',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:-1',
    '127.0.0.1:',
    '127.0.0.1',
    ':2181',
    '[::1]:2181',
    '::1:2181',
    '[::1]',
    '256.1.1.1:2181',
    'localhost:2181x',
  ];
  const goodChroots = ['', '', '', '/', '/app', '/a/b'];
  const badChroots = ['/a/', '//', '/a/../b', '/.', '/a\u0001'];
  const connectString = (hostile: boolean): unknown => {
    if (hostile && rand() < 0.2)
      return pick([undefined, null, 42, {}, [], '', ' ', ',', '/', '//x', 'x'.repeat(5000)]);
    const host = () => (hostile && rand() < 0.3 ? pick([...badHosts, junk()]) : pick(goodHosts));
    const hosts = Array.from(
      { length: 1 + Math.floor(rand() * 3) },
      () => spaces() + host() + spaces(),
    );
    const separator = hostile && rand() < 0.2 ? ',,' : pick([',', ', ']);
    const chroot =
      hostile && rand() < 0.3 ? pick([...badChroots, `/${junk()}`]) : pick(goodChroots);
    return hosts.join(separator) + chroot;
  };
  const fields: Record<string, [good: unknown[], bad: unknown[]]> = {
    sessionTimeoutMs: [
      [100, 1000, 4000],
      [-1, 0, 50, 1.5, NaN, Infinity, 2 ** 40, '1000'],
    ],
    connectionTimeoutMs: [
      [1, 1000],
      [-1, 0, 1.5, NaN, -Infinity, 2 ** 31, '1000'],
    ],
    requestTimeoutMs: [
      [1, 50, 4000],
      [0, -1, NaN, Infinity, 2 ** 31, '1'],
    ],
    maxPacketBytes: [
      [1024, 2 ** 20],
      [10, NaN, -5, '1'],
    ],
    errorPolicy: [
      ['standard', 'session'],
      ['lenient', 1, null],
    ],
    auth: [
      [
        [],
        [{ scheme: 'digest', credentials: 'u:p' }],
        [{ scheme: 'digest', credentials: Buffer.from('u:p') }],
      ],
      [
        [{ scheme: '', credentials: 'x' }],
        [{ scheme: 'digest', credentials: 5 }],
        'digest',
        [null],
      ],
    ],
    logger: [
      [
        { debug: noop, info: noop, warn: noop, error: noop },
        { debug: throwing, info: throwing, warn: throwing, error: throwing },
      ],
      [
        {},
        null,
        'console',
        { info: noop, warn: noop, error: noop },
        { debug: 1, info: noop, warn: noop, error: noop },
      ],
    ],
    namespace: [
      ['app', 'a/b', 'é'],
      ['/abs', 'a/../b', '', 'a//b', 'a\u0000', 5],
    ],
    retryPolicy: [
      [noRetry, retryNTimes(2, 10)],
      [{ kind: 'bogus' }, 5, null],
    ],
    aclProvider: [
      [{ defaultAcl: OPEN_ACL_UNSAFE }],
      [{ defaultAcl: [] }, { defaultAcl: OPEN_ACL_UNSAFE, forPath: 'x' }, 'open', null],
    ],
  };
  /** A hostile case draws every field from both lists; a tame one from the good ones. */
  const options = (): Record<string, unknown> => {
    const hostile = rand() < 0.4;
    const o: Record<string, unknown> = { connectString: connectString(hostile) };
    for (const [key, [good, bad]] of Object.entries(fields)) {
      if (rand() < 0.3) o[key] = pick(hostile ? [...good, ...bad] : good);
    }
    if (hostile && rand() < 0.1) o.unknownOption = true;
    return o;
  };
  const startOptions = (): unknown => {
    if (rand() < 0.2) {
      return pick([
        null,
        'x',
        { timeoutMs: -1 },
        { timeoutMs: NaN },
        { timeoutMs: 2 ** 40 },
        { timeoutMs: '100' },
        { signal: 'stop' },
        { signal: AbortSignal.abort() },
      ]);
    }
    // Short, so that a client that cannot connect gives up soon.
    return {
      timeoutMs: pick([0, 300, 1500, 1500]),
      ...maybe(() => ({ signal: AbortSignal.timeout(pick([1, 200, 5000])) }), 0.3),
    };
  };
  return { options, startOptions };
}

/** An error a caller may see: one of ours, or the reason of the signal the caller gave. */
function assertTyped(e: unknown, where: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted && e === signal.reason) return;
  if (signal?.aborted && e instanceof DOMException) return;
  assert.ok(e instanceof ZkRecipesError, `${where}: an untyped ${String(e)}`);
}

test('hostile options and connect strings: a typed error or a working client, never a crash', async (t) => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const rand = random(SEED);
  const { options, startOptions } = generator(
    rand,
    server.connectString,
    `127.0.0.1:${await refusedPort()}`,
  );
  const outcomes = { refused: 0, failedToStart: 0, worked: 0 };
  try {
    for (let i = 0; i < CASES; i++) {
      const o = options();
      const s = startOptions();
      const where = `seed ${SEED} case ${i}: ${JSON.stringify(o)} start(${JSON.stringify(s)})`;
      let client;
      try {
        client = createClient(o as unknown as ClientOptions);
      } catch (e) {
        assertTyped(e, `createClient, ${where}`, undefined);
        outcomes.refused++;
        continue;
      }
      const signal = (s as { signal?: unknown } | null)?.signal;
      try {
        await client.start(s as never);
        // A working client: a request answers or fails typed (a namespace that is not there).
        await client
          .getData('/', { retryPolicy: noRetry })
          .catch((e: unknown) => assertTyped(e, `getData, ${where}`, undefined));
        const made = await client
          .create('/property-', 'x', { mode: 'EPHEMERAL_SEQUENTIAL', retryPolicy: noRetry })
          .catch((e: unknown) => assertTyped(e, `create, ${where}`, undefined));
        if (made) await client.delete(made.path);
        outcomes.worked++;
      } catch (e) {
        assertTyped(e, `start, ${where}`, signal instanceof AbortSignal ? signal : undefined);
        outcomes.failedToStart++;
      } finally {
        await client.close();
      }
    }
    // Let anything a closed client left behind fire now, inside the listeners.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  t.diagnostic(`seed ${SEED}: ${JSON.stringify(outcomes)}`);
  assert.deepEqual(uncaught, [], `seed ${SEED}: uncaught ${uncaught.map(String).join('; ')}`);
  assert.ok(outcomes.refused > 0 && outcomes.worked > 0 && outcomes.failedToStart > 0);
});
