// `zk-recipes inspect`, `get`, `ls` and `doctor`, spawned as a user runs them, on nodes held by
// our recipes and by Apache Curator's (a JVM): who holds, who waits, who leads, what is queued,
// which services are up, what a counter or a config node says; and each bad input. The tests
// share one server and one JVM and run at once (each under its own root path): most of their
// time is starting processes (four at a time: the CI machine has two cores).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createClient, digestAcl, type ZkClient } from '@zk-recipes/core';
import { LeaderLatch } from '@zk-recipes/leader';
import { fencingTokenOf, Mutex, ReadWriteLock, Semaphore } from '@zk-recipes/lock';
import { TestRoot, timing } from '@zk-recipes/testing';
import { CuratorStateHolder } from '../support/curator-holder.js';
import { cliJson, runCli } from '../support/cli.js';
import { refusedPort } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { hex, layoutOf, type InspectJson } from './cli-json.js';

const server = sharedServer();
// One JVM for the file, started by the first test that needs it (after the server's hook).
let started: Promise<CuratorStateHolder> | undefined;
let java: CuratorStateHolder;
const clients: ZkClient[] = [];

async function curator(): Promise<CuratorStateHolder> {
  java = await (started ??= CuratorStateHolder.start(server.connectString));
  return java;
}

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await (await started)?.[Symbol.asyncDispose]();
});

async function client(): Promise<ZkClient> {
  const c = createClient({ connectString: server.connectString });
  clients.push(c);
  await c.start();
  return c;
}

const cs = () => ['--connect', server.connectString];

describe('zk-recipes on recipes held by our packages and by Curator', { concurrency: 4 }, () => {
  test('inspect: a mutex held by our Mutex, waited on by Curator and by another Mutex, in line order', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const path = root.child('billing');
    const [a, b] = [await client(), await client()];
    const lease = await new Mutex(a, path).acquire();
    await java.do('mutex-wait', path);
    const stop = new AbortController();
    const waiting = new Mutex(b, path).acquire({ signal: stop.signal }).catch(() => undefined);
    await timing.waitFor(async () => (await a.getChildren(path)).children.length === 3);

    const r = await cliJson<InspectJson>(['inspect', path, ...cs()]);
    const mutex = layoutOf(r, 'mutex');
    assert.equal(mutex.holder!.sessionId, hex(a.session?.sessionId));
    assert.equal(mutex.holder!.fencingToken, lease.fencingToken.toString());
    assert.deepEqual(
      mutex.waiters!.map((w) => w.sessionId),
      [java.sessionId, hex(b.session?.sessionId)],
      'waiters in line order, each with its session',
    );
    assert.ok(mutex.holder!.ageMs >= 0 && mutex.holder!.ageMs < 60_000);
    // A leader selector is the same nodes: said, not guessed.
    assert.equal(r.ambiguous, true);
    assert.deepEqual(r.layouts.map((l) => l.kind).sort(), ['leader-selector', 'mutex']);

    const human = await runCli(['inspect', path, ...cs()]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /ambiguous: 2 layouts fit \(mutex, leader-selector\)/);
    assert.match(
      human.stdout,
      new RegExp(`holder .* session ${hex(a.session?.sessionId)} .* token ${lease.fencingToken}`),
    );
    assert.match(human.stdout, new RegExp(`waiter 1 .* session ${java.sessionId}`));
    assert.match(human.stdout, new RegExp(`waiter 2 .* session ${hex(b.session?.sessionId)}`));

    const only = await cliJson<InspectJson>(['inspect', path, '--as', 'mutex', ...cs()]);
    assert.deepEqual(
      only.layouts.map((l) => l.kind),
      ['mutex'],
    );
    stop.abort();
    await waiting;
    await lease.release();
  });

  test('inspect: a mutex held by Curator shows the JVM session as holder and its fencing token', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const path = root.child('java-held');
    const c = await client();
    await java.do('mutex', path);
    const stop = new AbortController();
    const waiting = new Mutex(c, path).acquire({ signal: stop.signal }).catch(() => undefined);
    await timing.waitFor(async () => (await c.getChildren(path)).children.length === 2);
    const mutex = layoutOf(await cliJson<InspectJson>(['inspect', path, ...cs()]), 'mutex');
    assert.equal(mutex.holder!.sessionId, java.sessionId);
    assert.equal(
      mutex.holder!.fencingToken,
      fencingTokenOf(BigInt(mutex.holder!.czxid)).toString(),
    );
    assert.equal(mutex.holder!.data, '127.0.0.1', "Curator's default node data: the host address");
    assert.deepEqual(
      mutex.waiters!.map((w) => w.sessionId),
      [hex(c.session?.sessionId)],
    );
    stop.abort();
    await waiting;
  });

  test('inspect: a leader latch with a Curator participant and ours: leader, participants, epoch', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const path = root.child('election');
    await java.do('latch', path, 'java-1');
    const c = await client();
    await using latch = new LeaderLatch(c, path, { id: 'ts-1' });
    await latch.start();
    const r = await cliJson<InspectJson>(['inspect', path, ...cs()]);
    assert.equal(r.ambiguous, false);
    const l = layoutOf(r, 'leader-latch');
    assert.equal(l.leader!.id, 'java-1');
    assert.equal(l.leader!.sessionId, java.sessionId);
    assert.deepEqual(
      l.participants!.map((p) => [p.id, p.isLeader]),
      [
        ['java-1', true],
        ['ts-1', false],
      ],
    );
    assert.equal(l.leader!.epoch, l.leader!.czxid, "the epoch is the leader's node czxid");
    const human = await runCli(['inspect', path, ...cs()]);
    assert.match(human.stdout, /leader latch/);
    assert.match(
      human.stdout,
      new RegExp(`leader +id "java-1" .* session ${java.sessionId} .* epoch ${l.leader!.epoch}`),
    );
    assert.match(human.stdout, /participant +id "ts-1"/);
  });

  test('inspect: a Curator LeaderSelector is reported as a selector and, ambiguously, as a mutex', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const path = root.child('selector');
    await java.do('selector', path, 'java-sel');
    const r = await cliJson<InspectJson>(['inspect', path, ...cs()]);
    assert.equal(r.ambiguous, true);
    assert.equal(layoutOf(r, 'leader-selector').leader!.id, 'java-sel');
    assert.equal(layoutOf(r, 'mutex').holder!.sessionId, java.sessionId);
  });

  test('inspect: a read-write lock with Curator and our readers holding and a writer waiting', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const path = root.child('rw');
    const c = await client();
    await java.do('read', path);
    const ours = await new ReadWriteLock(c, path).readLock().acquire();
    await java.do('write-wait', path);
    const r = layoutOf(await cliJson<InspectJson>(['inspect', path, ...cs()]), 'read-write-lock');
    assert.equal(r.writer, null);
    assert.deepEqual(
      r.readers!.map((x) => x.sessionId),
      [java.sessionId, hex(c.session?.sessionId)],
    );
    assert.deepEqual(
      r.waiters!.map((x) => [x.side, x.sessionId]),
      [['write', java.sessionId]],
    );
    const human = await runCli(['inspect', path, ...cs()]);
    assert.match(human.stdout, /reader .*\n.*reader .*\n.*waiter 1 .* \(write\)/);
    await ours.release();
  });

  test('inspect: a semaphore: leases of max with --max-leases, and says max is unknown without it', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const path = root.child('sem');
    const c = await client();
    await java.do('semaphore', path, '2');
    const ours = await new Semaphore(c, path, { maxLeases: 2 }).acquire();
    const r = layoutOf(
      await cliJson<InspectJson>(['inspect', path, '--max-leases', '2', ...cs()]),
      'semaphore',
    );
    assert.equal(r.maxLeases, 2);
    assert.deepEqual(
      r.leases!.map((l) => [l.sessionId, l.holds]),
      [
        [java.sessionId, true],
        [hex(c.session?.sessionId), true],
      ],
    );
    const unknown = layoutOf(await cliJson<InspectJson>(['inspect', path, ...cs()]), 'semaphore');
    assert.equal(unknown.maxLeases, null);
    assert.match(unknown.notes.join(' '), /maxLeases is not stored/);
    const human = await runCli(['inspect', path, '--max-leases', '2', ...cs()]);
    assert.match(human.stdout, /leases +2 of 2/);
    await ours.release();
  });

  test("inspect and get: Curator's queues: depth, oldest age, variants, items in flight and who holds them", async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const queue = root.child('jobs');
    const locks = root.child('jobs-locks');
    await java.do('queue-put', queue, 'job-1', 'job-2');
    await java.do('queue-put-multi', queue, 'batch-a', 'batch-b');
    assert.equal(await java.do('queue-hold', queue, locks), 'holding job-1');

    const q = layoutOf(
      await cliJson<InspectJson>(['inspect', queue, '--lock-path', locks, ...cs()]),
      'queue',
    );
    assert.equal(q.variant, 'fifo');
    assert.equal(q.depth, 3);
    assert.equal(q.itemCount, 4);
    assert.ok(q.oldestAgeMs! >= 0);
    assert.deepEqual(
      q.items!.map((i) => i.items),
      [['job-1'], ['job-2'], ['batch-a', 'batch-b']],
    );
    assert.equal(q.inFlight!.length, 1);
    assert.equal(q.inFlight![0]!.name, q.items![0]!.name, 'the first item is in flight');
    assert.equal(q.inFlight![0]!.sessionId, java.sessionId);
    const human = await runCli(['inspect', queue, '--lock-path', locks, ...cs()]);
    assert.match(human.stdout, /depth +3 node\(s\), 4 item\(s\); oldest/);
    assert.match(
      human.stdout,
      new RegExp(`in flight +${q.items![0]!.name} +session ${java.sessionId}`),
    );
    const noLock = layoutOf(await cliJson<InspectJson>(['inspect', queue, ...cs()]), 'queue');
    assert.equal(noLock.inFlight, null);
    assert.match(noLock.notes.join(' '), /--lock-path/);

    const lockView = layoutOf(
      await cliJson<InspectJson>(['inspect', locks, ...cs()]),
      'queue-lock-path',
    );
    assert.deepEqual(
      lockView.inFlight!.map((f) => f.sessionId),
      [java.sessionId],
    );

    const got = await cliJson<{ decoded: { format: string; items?: string[] }[] }>([
      'get',
      q.items![2]!.path,
      ...cs(),
    ]);
    assert.deepEqual(got.decoded, [
      { format: 'queue-items', items: ['batch-a', 'batch-b'], encoding: 'utf8' },
    ]);

    const prio = root.child('prio');
    await java.do('priority-put', prio, '10', 'low');
    await java.do('priority-put', prio, '-5', 'high');
    const p = layoutOf(await cliJson<InspectJson>(['inspect', prio, ...cs()]), 'queue');
    assert.equal(p.variant, 'priority');
    assert.deepEqual(
      p.items!.map((i) => [i.priority, i.items[0]]),
      [
        [-5, 'high'],
        [10, 'low'],
      ],
      'lowest first',
    );

    const ids = root.child('ids');
    await java.do('id-put', ids, 'order-7', 'x');
    const d = layoutOf(await cliJson<InspectJson>(['inspect', ids, ...cs()]), 'queue');
    assert.equal(d.variant, 'id');
    assert.equal(d.items![0]!.id, 'order-7');
  });

  test('inspect and get: curator-x-discovery services, a service, and one instance', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const base = root.child('services');
    await java.do('register', base, 'api', 'i-1', '8080');
    const all = layoutOf(await cliJson<InspectJson>(['inspect', base, ...cs()]), 'services');
    assert.deepEqual(
      all.services!.map((s) => [s.name, s.instances.map((i) => i.id)]),
      [['api', ['i-1']]],
    );
    const one = layoutOf(
      await cliJson<InspectJson>(['inspect', `${base}/api`, ...cs()]),
      'service',
    );
    const i = one.instances![0]!;
    assert.deepEqual(
      [i.address, i.port, i.serviceType, i.sessionId],
      ['10.0.0.7', 8080, 'DYNAMIC', java.sessionId],
    );
    assert.equal(i.uri, 'http://10.0.0.7:8080/v1');
    assert.ok(i.registeredAt && Date.parse(i.registeredAt) <= Date.now());
    assert.deepEqual(i.payload, { '@class': 'java.util.LinkedHashMap', zone: 'a' });
    const human = await runCli(['inspect', base, ...cs()]);
    assert.match(human.stdout, /service +api: 1 instance\(s\)/);
    assert.match(
      human.stdout,
      /instance +i-1 +10\.0\.0\.7:8080 +DYNAMIC +session 0x[0-9a-f]+ +registered /,
    );
    const got = await runCli(['get', `${base}/api/i-1`, ...cs()]);
    assert.match(got.stdout, /service instance: api\/i-1 at 10\.0\.0\.7:8080, DYNAMIC/);
  });

  test('inspect and get: Curator counters (int32 SharedCount, int64 DistributedAtomicLong) and a config node', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    await java.do('shared-count', root.child('count'), '43');
    await java.do('atomic-long', root.child('long'), '100');
    await java.do('config', root.child('config'), '{"limit":5,"mode":"fast"}');
    await java.do('config', root.child('config'), '{"limit":6,"mode":"fast"}');
    const count = layoutOf(
      await cliJson<InspectJson>(['inspect', root.child('count'), ...cs()]),
      'counter',
    );
    assert.deepEqual([count.type, count.value], ['int32', '43']);
    const long = layoutOf(
      await cliJson<InspectJson>(['inspect', root.child('long'), ...cs()]),
      'counter',
    );
    assert.deepEqual([long.type, long.value], ['int64', '100']);
    const config = layoutOf(
      await cliJson<InspectJson>(['inspect', root.child('config'), ...cs()]),
      'config',
    );
    assert.deepEqual(config.value, { limit: 6, mode: 'fast' });
    assert.equal(config.version, 1);
    assert.ok(config.modifiedAt && Date.parse(config.modifiedAt) > 0);
    const human = await runCli(['inspect', root.child('count'), ...cs()]);
    assert.match(human.stdout, /shared counter, int32 .*\n +value +43\n +version +\d+/);
    const got = await cliJson<{ decoded: unknown[] }>(['get', root.child('long'), ...cs()]);
    assert.deepEqual(got.decoded, [{ format: 'int64', value: '100' }]);
  });

  test('inspect: four bytes that are also text are shown both ways, ambiguity said', async () => {
    await using root = await TestRoot.create(server);
    const c = await client();
    await c.create(root.child('n'), '1234');
    const r = await cliJson<InspectJson>(['inspect', root.child('n'), ...cs()]);
    assert.equal(r.ambiguous, true);
    assert.deepEqual(
      r.layouts.map((l) => l.kind),
      ['counter', 'config'],
    );
    const human = await runCli(['inspect', root.child('n'), ...cs()]);
    assert.match(human.stdout, /ambiguous: 2 layouts fit \(counter, config\)/);
    const got = await runCli(['get', root.child('n'), ...cs()]);
    assert.match(got.stdout, /ambiguous: 2 readings fit \(json, int32\)/);
  });

  test('inspect, ls and get on an unknown layout: children with stats, raw bytes on request', async () => {
    await using root = await TestRoot.create(server);
    const c = await client();
    await c.create(root.child('app', 'a'), 'x', { createParents: true });
    await c.create(root.child('app', 'b', 'deep'), Buffer.from([0, 1, 2, 255, 7]), {
      createParents: true,
    });
    await c.create(root.child('app', 'eph'), '', { mode: 'EPHEMERAL' });
    const r = await cliJson<InspectJson>(['inspect', root.child('app'), ...cs()]);
    assert.deepEqual(r.layouts, []);
    assert.deepEqual(
      r.children!.map((x) => [x.name, x.stat.ephemeralOwner]),
      [
        ['a', null],
        ['b', null],
        ['eph', hex(c.session?.sessionId)],
      ],
    );
    const human = await runCli(['inspect', root.child('app'), ...cs()]);
    assert.match(human.stdout, /no known layout/);
    assert.match(human.stdout, new RegExp(`eph +ephemeral ${hex(c.session?.sessionId)} +0 bytes`));

    const ls = await runCli(['ls', root.child('app'), ...cs()]);
    assert.deepEqual(
      ls.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
      ['a', 'b', 'eph'],
    );
    const tree = await cliJson<{ children: { name: string; children?: { name: string }[] }[] }>([
      'ls',
      '-R',
      root.child('app'),
      ...cs(),
    ]);
    assert.deepEqual(
      tree.children.find((x) => x.name === 'b')?.children?.map((x) => x.name),
      ['deep'],
    );
    const lsR = await runCli(['ls', '-R', root.child('app'), ...cs()]);
    assert.match(
      lsR.stdout,
      new RegExp(`^  ${root.child('app', 'b', 'deep')} +persistent +5 bytes`, 'm'),
    );

    const raw = await runCli(['get', '--raw', root.child('app', 'b', 'deep'), ...cs()]);
    assert.deepEqual(raw.bytes, Buffer.from([0, 1, 2, 255, 7]));
    const hexOut = await runCli(['get', root.child('app', 'b', 'deep'), ...cs()]);
    assert.match(hexOut.stdout, /bytes \(hex\): 000102ff07/);
  });

  test('--namespace and ZK_CONNECT: paths under the namespace, the server from the environment', async () => {
    await using root = await TestRoot.create(server);
    const ns = root.path.slice(1);
    const c = await client();
    const lease = await new Mutex(c.usingNamespace(ns), '/locks/x').acquire();
    const r = await cliJson<InspectJson>(['inspect', '/locks/x', '--namespace', ns], {
      ZK_CONNECT: server.connectString,
    });
    assert.equal(layoutOf(r, 'mutex').holder!.sessionId, hex(c.session?.sessionId));
    await lease.release();
  });

  test('doctor: version and mode from srvr, granted session timeout, TTL nodes, RTT, four-letter words', async () => {
    const d = await cliJson<{
      connected: { server: string; ms: number; sessionId: string };
      server: { version: string | null; mode: string | null };
      session: { negotiatedTimeoutMs: number; requestedTimeoutMs: number };
      ttlNodes: boolean | null;
      rtt: { medianMs: number; samples: number };
      fourLetterWords: Record<string, boolean | null>;
    }>(['doctor', ...cs()]);
    assert.equal(d.connected.server, server.connectString);
    assert.match(d.server.version ?? '', /^3\.\d+\.\d+/);
    assert.equal(d.server.mode, 'standalone');
    assert.ok(d.session.negotiatedTimeoutMs > 0 && d.session.negotiatedTimeoutMs <= 10_000);
    assert.equal(d.ttlNodes, true, 'the testing server enables extended types');
    assert.ok(d.rtt.medianMs > 0 && d.rtt.samples === 7);
    assert.equal(d.fourLetterWords.srvr, true);
    assert.equal(d.fourLetterWords.mntr, true);
    const human = await runCli(['doctor', ...cs()]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^connect +ok: /m);
    assert.match(human.stdout, /^server +3\.\d+\.\d+.*, mode standalone$/m);
    assert.match(human.stdout, /^ttl nodes +enabled/m);
    assert.match(human.stdout, /^four-letter +allowed: srvr stat ruok/m);
    const c = await client();
    assert.deepEqual(
      (await c.getChildren('/')).children.filter((n) => n.startsWith('zk-recipes-doctor')),
      [],
      'the TTL probe wrote nothing',
    );
  });

  test('bad input: one clear line on stderr, the right exit code, a stack trace only with --verbose', async () => {
    await using root = await TestRoot.create(server);
    const owner = await client();
    owner.addAuthInfo('digest', 'ops:s3cret');
    await owner.create(root.child('secret'), 'x', { acl: [digestAcl('ops', 's3cret')] });
    const cases: { args: string[]; code: number; line: RegExp }[] = [
      {
        args: ['inspect', root.child('missing'), ...cs()],
        code: 1,
        line: new RegExp(`^zk-recipes inspect: no node at ${root.child('missing')}$`),
      },
      {
        args: ['ls', '/', '--connect', `127.0.0.1:${await refusedPort()}`, '--timeout', '1000'],
        code: 1,
        line: /^zk-recipes ls: cannot connect: no ZooKeeper server at 127\.0\.0\.1:\d+ answered within 1000 ms \(last error: connect ECONNREFUSED/,
      },
      {
        args: ['get', '/x', '--connect', 'zk1:99999'],
        code: 2,
        line: /^zk-recipes get: .*invalid connectString "zk1:99999": port 99999 of zk1 is not in 1\.\.65535/,
      },
      {
        args: ['get', root.child('secret'), ...cs()],
        code: 1,
        line: new RegExp(
          `^zk-recipes get: not allowed to read ${root.child('secret')} \\(NOAUTH\\).*--digest user:password$`,
        ),
      },
      {
        args: ['inspect', ...cs()],
        code: 2,
        line: /^zk-recipes inspect: missing <path> \(see zk-recipes inspect --help\)$/,
      },
      {
        args: ['inspect', 'locks/x', ...cs()],
        code: 2,
        line: /^zk-recipes inspect: the path must start with \//,
      },
      { args: ['frobnicate', '/x'], code: 2, line: /^zk-recipes: unknown command "frobnicate"/ },
      { args: ['ls', '/', '--bogus'], code: 2, line: /^zk-recipes ls: Unknown option '--bogus'/ },
      {
        args: ['inspect', '/x', '--max-leases', 'two'],
        code: 2,
        line: /^zk-recipes inspect: --max-leases must be a positive whole number/,
      },
      {
        args: ['get', '/x', '--digest', 'nocolon'],
        code: 2,
        line: /^zk-recipes get: --digest takes user:password/,
      },
    ];
    const runs = await Promise.all(cases.map((c) => runCli(c.args)));
    runs.forEach((r, i) => {
      const c = cases[i]!;
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(r.code, c.code, `${c.args.join(' ')}: exit code (stderr: ${r.stderr})`);
      assert.equal(lines.length, 1, `${c.args.join(' ')}: one line, no stack trace: ${r.stderr}`);
      assert.match(lines[0]!, c.line);
      assert.equal(r.stdout, '', `${c.args.join(' ')}: nothing on stdout`);
    });
    const verbose = await runCli(['inspect', root.child('missing'), '--verbose', ...cs()]);
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /^zk-recipes inspect: no node at .*\nNoNodeError: [^]*\n +at /);
    // The right credentials read it.
    const allowed = await runCli(['get', root.child('secret'), '--digest', 'ops:s3cret', ...cs()]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /text: "x"/);
  });

  test('help on every command, exit code 0', async () => {
    const runs = await Promise.all(
      [
        [],
        ['--help'],
        ...['inspect', 'ls', 'get', 'watch', 'doctor'].map((c) => [c, '--help']),
      ].map((a) => runCli(a)),
    );
    for (const r of runs) {
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: zk-recipes/m);
      assert.match(r.stdout, /--connect <hosts>/);
    }
    assert.match(runs[0]!.stdout, /^ {2}inspect +what lives at a path/m);
    assert.match(runs[3]!.stdout, /-R, --recursive/);
  });
});
