// Issue 14: every option is checked when the client is made (a bad port crashed the process, a
// space after a comma hid a host, `logger: {}` died at the first CONNECTED), and a connect that
// fails says why (the last socket error as the ConnectTimeoutError's cause, each attempt logged).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConnectTimeoutError,
  createClient,
  InvalidArgumentError,
  type Logger,
} from '@zk-recipes/core';
import { refusedPort } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

const isInvalid = (field: string) => (e: unknown) =>
  e instanceof InvalidArgumentError && e.code === 'INVALID_ARGUMENT' && e.field === field;

function recordingLogger(): Logger & { lines: { level: string; msg: string; obj: object }[] } {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const at = (level: string) => (obj: object, msg?: string) =>
    lines.push({ level, obj, msg: msg ?? '' });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

test('the connect string is parsed and checked at createClient: ports, hosts, IPv6, chroot', () => {
  for (const bad of [
    '127.0.0.1:99999', // crashed the process with ERR_SOCKET_BAD_PORT
    '127.0.0.1:0',
    '127.0.0.1:-1',
    '127.0.0.1:21x',
    '127.0.0.1',
    'h1:1,,h2:2',
    'h1:1,',
    ' , ',
    '[::1]:2181', // node-zookeeper-client splits at every ':'
    '::1:2181',
    '999.0.0.1:2181',
    'bad host:2181',
    'h_-:1',
    '-h:1',
    'h:1/chroot/',
    'h:1/a//b',
    'h:1/a/../b',
    'h:1/a\u0000',
    '/only-chroot',
  ]) {
    assert.throws(() => createClient({ connectString: bad }), isInvalid('connectString'), bad);
  }
  assert.throws(
    () => createClient({ connectString: '[::1]:2181' }),
    /IPv6 address \[::1\] is not supported/,
  );
  assert.throws(
    () => createClient({ connectString: '127.0.0.1:99999' }),
    /port 99999 of 127\.0\.0\.1 is not in 1\.\.65535/,
  );
  // Spaces around hosts are trimmed; a lone '/' is no chroot.
  assert.equal(createClient({ connectString: ' h1:1, h2:2 /app' }).connectString, 'h1:1,h2:2/app');
  assert.equal(createClient({ connectString: 'h1:1/' }).connectString, 'h1:1');
  assert.equal(
    createClient({ connectString: 'zk-1.example.com:2181,10.0.0.2:65535,LOCALHOST.:1' })
      .connectString,
    'zk-1.example.com:2181,10.0.0.2:65535,LOCALHOST.:1',
  );
});

test('a host after ", " is reached (it was " host", which never resolved)', async () => {
  const refused = await refusedPort();
  const port = server.connectString.split(':')[1]!;
  // Only the second host answers; the first refuses.
  await using client = createClient({
    connectString: `127.0.0.1:${refused}, 127.0.0.1:${port}`,
    sessionTimeoutMs: 4000,
  });
  await client.start({ timeoutMs: 8000 });
  assert.equal(client.connectedServer, `127.0.0.1:${port}`);
});

test('a logger is checked for its four methods at createClient; one that throws cannot hurt the client', async () => {
  assert.throws(
    () => createClient({ connectString: 'h:1', logger: {} as Logger }),
    isInvalid('logger'),
  );
  const noop = () => undefined;
  assert.throws(
    () =>
      createClient({
        connectString: 'h:1',
        logger: { info: noop, warn: noop, error: noop } as unknown as Logger,
      }),
    isInvalid('logger'),
  );
  assert.throws(
    () => createClient({ connectString: 'h:1', logger: 'console' as unknown as Logger }),
    isInvalid('logger'),
  );
  const boom = () => {
    throw new Error('logger down');
  };
  await using client = createClient({
    connectString: server.connectString,
    logger: { debug: boom, info: boom, warn: boom, error: boom },
  });
  await client.start(); // logs CONNECTED at info: the throw stays in the logger
  await client.getData('/');
});

test('a refused connect times out with ECONNREFUSED as cause; each attempt is logged', async () => {
  const port = await refusedPort();
  const logger = recordingLogger();
  const client = createClient({ connectString: `127.0.0.1:${port}`, logger });
  const err = await client.start({ timeoutMs: 600 }).then(
    () => assert.fail('connected to a closed port'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConnectTimeoutError, String(err));
  assert.equal((err.cause as NodeJS.ErrnoException | undefined)?.code, 'ECONNREFUSED');
  assert.match(err.message, /ECONNREFUSED/);
  const attempts = logger.lines.filter((l) => l.msg === 'zk connect attempt failed');
  assert.ok(attempts.length >= 2, `${attempts.length} attempts logged`);
  assert.equal(attempts[0]!.level, 'warn', 'the first failure is a warning');
  assert.ok(
    attempts.slice(1).every((l) => l.level === 'debug'),
    'repeats are debug',
  );
  assert.equal((attempts[0]!.obj as { code?: string }).code, 'ECONNREFUSED');
});

test('an unknown host times out with ENOTFOUND as cause', async () => {
  const client = createClient({ connectString: 'no-such-host.invalid:2181' });
  const err = await client.start({ timeoutMs: 1500 }).then(
    () => assert.fail('resolved a .invalid name'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConnectTimeoutError, String(err));
  assert.equal((err.cause as NodeJS.ErrnoException | undefined)?.code, 'ENOTFOUND');
});

test("start()'s options are checked: a timeout past a timer's limit, a bad signal, no object", async () => {
  for (const [options, field] of [
    [{ timeoutMs: 2 ** 40 }, 'timeoutMs'], // a Node timer fires at once past 2^31-1
    [{ timeoutMs: -1 }, 'timeoutMs'],
    [{ signal: 'stop' }, 'signal'],
    [null, 'options'],
  ] as const) {
    const client = createClient({ connectString: server.connectString });
    await assert.rejects(client.start(options as never), isInvalid(field), JSON.stringify(options));
    await client.close();
  }
  for (const [options, field] of [
    [{ connectionTimeoutMs: 2 ** 40 }, 'connectionTimeoutMs'],
    [{ requestTimeoutMs: 2 ** 31 }, 'requestTimeoutMs'],
  ] as const) {
    assert.throws(
      () => createClient({ connectString: server.connectString, ...options }),
      isInvalid(field),
    );
  }
});
