// `zk-recipes inspect`, `get`, `ls` and `doctor`, spawned as a user runs them, on nodes held by
// our recipes and by Apache Curator's (a JVM): who holds, who waits, who leads, what is queued,
// which services are up, what a counter or a config node says; and each bad input. The tests
// share one server and one JVM and run at once (each under its own root path): most of their
// time is starting processes (four at a time: the CI machine has two cores).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createClient, digestAcl, stringSerializer, type ZkClient } from '@zk-recipes/core';
import { LeaderLatch } from '@zk-recipes/leader';
import { fencingTokenOf, Mutex, ReadWriteLock, Semaphore } from '@zk-recipes/lock';
import { TestRoot, timing } from '@zk-recipes/testing';
import { AtomicLong, SharedCount } from '@zk-recipes/atomic';
import { Barrier, DoubleBarrier } from '@zk-recipes/barrier';
import { GroupMember, PersistentTtlNode } from '@zk-recipes/group';
import { ConfigCache } from '@zk-recipes/cache';
import { ServiceDiscovery, serviceInstance } from '@zk-recipes/discovery';
import { DistributedQueue } from '@zk-recipes/queue';
import { z } from 'zod';
import { CuratorStateHolder } from '../support/curator-holder.js';
import { cliJson, cliJsonLines, runCli } from '../support/cli.js';
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

  test('inspect --as leader-selector: a Curator LeaderSelector, its leader and id', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const path = root.child('selector');
    await java.do('selector', path, 'java-sel');
    // Also a mutex (the mutex test shows both); --as keeps one reading.
    const r = await cliJson<InspectJson>(['inspect', path, '--as', 'leader-selector', ...cs()]);
    assert.deepEqual(
      r.layouts.map((l) => l.kind),
      ['leader-selector'],
    );
    assert.equal(r.ambiguous, false);
    const selector = layoutOf(r, 'leader-selector');
    assert.equal(selector.leader!.id, 'java-sel');
    assert.equal(selector.leader!.sessionId, java.sessionId);
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
    const human = await runCli(['inspect', path, ...cs()]);
    assert.match(human.stdout, /leases +2 of \? \(max not stored in ZooKeeper: --max-leases\)/);
    assert.match(human.stdout, /note: maxLeases is not stored in ZooKeeper/);
    await ours.release();
  });

  test("inspect and get: Curator's queues: depth, oldest age, variants, items in flight and who holds them", async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const queue = root.child('jobs');
    const locks = root.child('jobs-locks');
    const prio = root.child('prio');
    const ids = root.child('ids');
    await java.do('queue-put', queue, 'job-1', 'job-2');
    await java.do('queue-put-multi', queue, 'batch-a', 'batch-b');
    assert.equal(await java.do('queue-hold', queue, locks), 'holding job-1');
    await java.do('priority-put', prio, '10', 'low');
    await java.do('priority-put', prio, '-5', 'high');
    await java.do('id-put', ids, 'order-7', 'x');
    const delayed = root.child('later');
    const simple = root.child('simple');
    const putAt = Date.now();
    await java.do('delay-put', delayed, '3600000', 'in-an-hour');
    await java.do('simple-put', simple, 's-1', 's-2');

    // Several paths: one JSON line each.
    const [qr, lr, pr, ir, dr, sr] = await cliJsonLines<InspectJson>([
      'inspect',
      queue,
      locks,
      prio,
      ids,
      delayed,
      simple,
      '--lock-path',
      locks,
      ...cs(),
    ]);
    const q = layoutOf(qr!, 'queue');
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
    // The lock path on its own: the items in flight and their sessions.
    assert.deepEqual(
      layoutOf(lr!, 'queue-lock-path').inFlight!.map((f) => [f.name, f.sessionId]),
      [[q.items![0]!.name, java.sessionId]],
    );
    const p = layoutOf(pr!, 'queue');
    assert.equal(p.variant, 'priority');
    assert.deepEqual(
      p.items!.map((i) => [i.priority, i.items[0]]),
      [
        [-5, 'high'],
        [10, 'low'],
      ],
      'lowest first',
    );
    const d = layoutOf(ir!, 'queue');
    assert.equal(d.variant, 'id');
    assert.equal(d.items![0]!.id, 'order-7');
    // A DistributedDelayQueue item: its name carries the due time (hexadecimal, as an id could).
    const later = layoutOf(dr!, 'queue');
    assert.equal(later.variant, 'delay-or-id');
    const due = Date.parse(later.items![0]!.dueAt!);
    assert.ok(due >= putAt + 3_600_000 && due <= Date.now() + 3_600_000, `due ${due}`);
    assert.deepEqual(later.items![0]!.items, ['in-an-hour']);
    assert.ok(later.notes.some((n) => n.includes("a delay queue's due times")));
    const s = layoutOf(sr!, 'simple-queue');
    assert.deepEqual([s.depth, s.items!.map((i) => i.data)], [2, ['s-1', 's-2']]);

    const [human, got] = await Promise.all([
      runCli(['inspect', queue, ...cs()]),
      cliJson<{ decoded: unknown[] }>(['get', q.items![2]!.path, ...cs()]),
    ]);
    assert.match(
      human.stdout,
      /depth +3 node\(s\), 4 item\(s\); oldest \d+(ms|s) \(queue-0000000000\)/,
    );
    assert.match(human.stdout, /item +queue-0000000002 .* "batch-a" \(\+1 more in the node\)/);
    // Named <queue>-locks, the lock path is found without --lock-path, and that is said.
    assert.match(
      human.stdout,
      new RegExp(`in flight +queue-0000000000 +session ${java.sessionId}`),
    );
    assert.match(human.stdout, /note: lock path \S+\/jobs-locks found next to the queue/);
    assert.deepEqual(got.decoded, [
      { format: 'queue-items', items: ['batch-a', 'batch-b'], encoding: 'utf8' },
    ]);
  });

  test('inspect: a set Barrier, a DoubleBarrier whose quorum entered, a group with two members, a PersistentTtlNode (each said "no known layout")', async () => {
    await using root = await TestRoot.create(server);
    const c = await client();
    await new Barrier(c, root.child('gate')).set();
    const double = new DoubleBarrier(c, root.child('double'), 1);
    await double.enter({ timeoutMs: 10_000 });
    await using m1 = new GroupMember(c, root.child('group'), 'api-1', { payload: 'host-1:80' });
    await using m2 = new GroupMember(c, root.child('group'), 'api-2', { payload: 'host-2:80' });
    await m1.start();
    await m2.start();
    await using lease = new PersistentTtlNode(c, root.child('lease'), 60_000, { data: 'busy' });
    await lease.start();
    const paths = ['gate', 'double', 'group', 'lease'].map((p) => root.child(p));
    const [[gate, dbl, group, ttl], human] = await Promise.all([
      cliJsonLines<InspectJson>(['inspect', ...paths, ...cs()]),
      runCli(['inspect', ...paths, ...cs()]),
    ]);
    assert.equal(layoutOf(gate!, 'barrier').set, true);
    const d = layoutOf(dbl!, 'double-barrier');
    assert.equal(d.ready, true);
    assert.deepEqual(
      d.members!.map((m) => m.sessionId),
      [hex(c.session?.sessionId)],
    );
    assert.deepEqual(
      layoutOf(group!, 'group').members!.map((m) => [m.id, m.data, m.sessionId]),
      [
        ['api-1', 'host-1:80', hex(c.session?.sessionId)],
        ['api-2', 'host-2:80', hex(c.session?.sessionId)],
      ],
    );
    const t = layoutOf(ttl!, 'ttl-node');
    assert.equal(t.data, 'busy');
    assert.ok(t.touchedAgoMs! >= 0 && t.touchedAgoMs! < 60_000, 'touched within its TTL');
    assert.equal(human.code, 0);
    assert.doesNotMatch(human.stdout, /no known layout/);
    assert.match(human.stdout, /member +api-2 +session .* payload host-2:80/);
    await double.leave({ timeoutMs: 10_000 });
  });

  test('inspect: state held by our packages: a DistributedQueue with an item in flight (lock path found), ServiceDiscovery, AtomicLong, SharedCount, a ConfigCache config', async () => {
    await using root = await TestRoot.create(server);
    const c = await client();
    const queuePath = root.child('orders');
    await using queue = new DistributedQueue(c, queuePath, {
      serializer: stringSerializer,
      consumerId: 'worker-7',
    });
    await queue.start();
    await queue.put('o-1');
    await queue.put('o-2');
    await queue.put('o-3');
    // A failed delivery goes back at the tail with its count after the frame's end marker.
    await (await queue.take({ timeoutMs: 10_000 })).requeue(new Error('failed once'));
    const held = await queue.take({ timeoutMs: 10_000 });
    const base = root.child('services');
    await using discovery = new ServiceDiscovery(c, { basePath: base });
    await discovery.start();
    await discovery.register(
      serviceInstance({ name: 'api', id: 'ts-1', address: '10.0.0.8', port: 9090 }),
    );
    await discovery.register(
      serviceInstance({ name: 'api', id: 'ts-2', address: '10.0.0.9', port: 9091 }),
    );
    await using count = new SharedCount(c, root.child('count'), 3);
    await count.start();
    await count.set(42);
    const schema = z.object({ limit: z.number(), mode: z.string() });
    const config = new ConfigCache(c, root.child('config'), { schema });
    await config.publish({ limit: 5, mode: 'fast' });
    await config.publish({ limit: 6, mode: 'slow' });
    // Last before the CLI: the write's witness child (core's update kit) lives ~2 s after it.
    await new AtomicLong(c, root.child('long')).add(-7n);

    const paths = [queuePath, base, root.child('long'), root.child('count'), root.child('config')];
    const [[qr, sr, lr, cr, fr], human] = await Promise.all([
      // No --lock-path: our queue's default `<path>-locks` is found.
      cliJsonLines<InspectJson>(['inspect', ...paths, ...cs()]),
      runCli(['inspect', queuePath, `${base}/api`, root.child('count'), ...cs()]),
    ]);
    const q = layoutOf(qr!, 'queue');
    assert.equal(q.variant, 'fifo');
    assert.equal(q.depth, 3, 'the item in flight stays in the queue until acked');
    assert.deepEqual(
      q.items!.map((i) => [i.items[0], i.failures]),
      [
        ['o-2', 0],
        ['o-3', 0],
        ['o-1', 1],
      ],
      'a requeued item is an item (not corrupt), at the tail, with its failed deliveries',
    );
    assert.ok(q.oldestAgeMs! >= 0 && q.oldestAgeMs! < 60_000);
    assert.deepEqual([q.lockPath, q.lockPathFound], [`${queuePath}-locks`, true]);
    assert.deepEqual(
      q.inFlight!.map((f) => [f.name, f.sessionId, f.data, f.itemPresent]),
      [[q.items![0]!.name, hex(c.session?.sessionId), 'worker-7', true]],
      'the item in flight, its holder session and consumer id',
    );
    assert.equal(held.value, 'o-2');
    const services = layoutOf(sr!, 'services').services!;
    assert.deepEqual(
      services.map((s) => [
        s.name,
        s.instances.map((i) => [i.id, i.address, i.port, i.serviceType, i.sessionId]),
      ]),
      [
        [
          'api',
          [
            ['ts-1', '10.0.0.8', 9090, 'DYNAMIC', hex(c.session?.sessionId)],
            ['ts-2', '10.0.0.9', 9091, 'DYNAMIC', hex(c.session?.sessionId)],
          ],
        ],
      ],
    );
    assert.ok(services[0]!.instances.every((i) => Date.parse(i.registeredAt!) <= Date.now()));
    const long = layoutOf(lr!, 'counter');
    assert.deepEqual([long.type, long.value], ['int64', '-7']);
    // Still there after the CLI ended, the witness was there while it read: said, not data.
    const { children: after } = await c.getChildren(root.child('long'));
    if (after.some((n) => n.startsWith('zkr-witness-'))) {
      assert.ok(
        long.notes.some((n) => n.includes('write witness')),
        long.notes.join('; '),
      );
    }
    const shared = layoutOf(cr!, 'counter');
    assert.deepEqual([shared.type, shared.value], ['int32', '42']);
    const cfg = layoutOf(fr!, 'config');
    assert.deepEqual([cfg.value, cfg.version], [{ limit: 6, mode: 'slow' }, 1]);

    assert.equal(human.code, 0);
    assert.match(
      human.stdout,
      /depth +3 node\(s\), 3 item\(s\); oldest \d+(ms|s) \(queue-0000000001\)/,
    );
    assert.match(
      human.stdout,
      new RegExp(`in flight +queue-0000000001 +session ${hex(c.session?.sessionId)} +age `),
    );
    assert.match(human.stdout, /item +queue-0000000003 .* "o-1" +failed 1 time\(s\)/);
    assert.match(
      human.stdout,
      /note: lock path \S+\/orders-locks found next to the queue \(the default of @zk-recipes\/queue\)/,
    );
    assert.match(human.stdout, /service api \(curator-x-discovery\)\n +instances +2\n/);
    assert.match(human.stdout, /instance +ts-2 +10\.0\.0\.9:9091 +DYNAMIC +session 0x[0-9a-f]+/);
    assert.match(human.stdout, /shared counter, int32 .*\n +value +42\n/);
    await held.ack();
  });

  test('inspect and get: curator-x-discovery services, a service, and one instance', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    const base = root.child('services');
    await java.do('register', base, 'api', 'i-1', '8080');
    // DYNAMIC_SEQUENTIAL: the node is named by the id and a sequence, the id is in the JSON.
    await java.do('register', base, 'worker', 'w-1', '8081', 'DYNAMIC_SEQUENTIAL');
    const [all, human, got] = await Promise.all([
      cliJson<InspectJson>(['inspect', base, ...cs()]),
      runCli(['inspect', `${base}/api`, ...cs()]),
      runCli(['get', `${base}/api/i-1`, ...cs()]),
    ]);
    const services = layoutOf(all, 'services').services!;
    assert.deepEqual(
      services.map((s) => [s.name, s.instances.map((i) => i.id)]),
      [
        ['api', ['i-1']],
        ['worker', ['w-1']],
      ],
    );
    const w = services[1]!.instances[0]!;
    assert.match(w.node, /^w-1\d{10}$/);
    assert.deepEqual(
      [w.serviceType, w.port, w.sessionId],
      ['DYNAMIC_SEQUENTIAL', 8081, java.sessionId],
    );
    const i = services[0]!.instances[0]!;
    assert.deepEqual(
      [i.address, i.port, i.sslPort, i.serviceType, i.sessionId],
      ['10.0.0.7', 8080, null, 'DYNAMIC', java.sessionId],
    );
    assert.equal(i.uri, 'http://10.0.0.7:8080/v1');
    assert.ok(i.registeredAt && Date.parse(i.registeredAt) <= Date.now());
    assert.deepEqual(i.payload, { '@class': 'java.util.LinkedHashMap', zone: 'a' });
    assert.match(human.stdout, /service api \(curator-x-discovery\)\n +instances +1\n/);
    assert.match(
      human.stdout,
      /instance +i-1 +10\.0\.0\.7:8080 +DYNAMIC +session 0x[0-9a-f]+ +registered /,
    );
    assert.match(got.stdout, /service instance: api\/i-1 at 10\.0\.0\.7:8080, DYNAMIC/);
    assert.match(got.stdout, /uri http:\/\/10\.0\.0\.7:8080\/v1/);
  });

  test('inspect: Curator counters (int32 SharedCount, int64 DistributedAtomicLong) and a config node', async () => {
    await using root = await TestRoot.create(server);
    await curator();
    await java.do('shared-count', root.child('count'), '43');
    await java.do('atomic-long', root.child('long'), '100');
    await java.do('config', root.child('config'), '{"limit":5,"mode":"fast"}');
    await java.do('config', root.child('config'), '{"limit":6,"mode":"fast"}');
    const paths = ['count', 'long', 'config'].map((n) => root.child(n));
    const [lines, human] = await Promise.all([
      cliJsonLines<InspectJson>(['inspect', ...paths, ...cs()]),
      runCli(['inspect', root.child('count'), ...cs()]),
    ]);
    const count = layoutOf(lines[0]!, 'counter');
    assert.deepEqual([count.type, count.value], ['int32', '43']);
    const long = layoutOf(lines[1]!, 'counter');
    assert.deepEqual([long.type, long.value], ['int64', '100']);
    const config = layoutOf(lines[2]!, 'config');
    assert.deepEqual(config.value, { limit: 6, mode: 'fast' });
    assert.equal(config.version, 1);
    assert.ok(config.modifiedAt && Date.parse(config.modifiedAt) > 0);
    assert.match(human.stdout, /shared counter, int32 .*\n +value +43\n +version +\d+/);
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
    const got = await runCli(['get', root.child('n'), ...cs()]);
    assert.match(got.stdout, /ambiguous: 2 readings fit \(json, int32\)/);
    assert.match(got.stdout, /^int32: 825373492 /m);
  });

  test('inspect, ls and get on an unknown layout: children with stats, raw bytes on request', async () => {
    await using root = await TestRoot.create(server);
    const c = await client();
    await c.create(root.child('app', 'a'), 'x', { createParents: true });
    await c.create(root.child('app', 'b', 'deep'), Buffer.from([0, 1, 2, 255, 7]), {
      createParents: true,
    });
    await c.create(root.child('app', 'eph'), '', { mode: 'EPHEMERAL' });
    const app = root.child('app');
    const deep = root.child('app', 'b', 'deep');
    const [r, human, ls, tree, raw] = await Promise.all([
      cliJson<InspectJson>(['inspect', app, ...cs()]),
      runCli(['inspect', app, ...cs()]),
      runCli(['ls', app, ...cs()]),
      cliJson<{ children: { name: string; children?: { name: string }[] }[] }>([
        'ls',
        '-R',
        app,
        ...cs(),
      ]),
      runCli(['get', '--raw', deep, ...cs()]),
    ]);
    assert.deepEqual(r.layouts, []);
    assert.deepEqual(
      r.children!.map((x) => [x.name, x.stat.ephemeralOwner]),
      [
        ['a', null],
        ['b', null],
        ['eph', hex(c.session?.sessionId)],
      ],
    );
    assert.match(human.stdout, /no known layout/);
    assert.match(human.stdout, new RegExp(`eph +ephemeral ${hex(c.session?.sessionId)} +0 bytes`));
    assert.deepEqual(
      ls.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
      ['a', 'b', 'eph'],
    );
    assert.deepEqual(
      tree.children.find((x) => x.name === 'b')?.children?.map((x) => x.name),
      ['deep'],
    );
    assert.deepEqual(raw.bytes, Buffer.from([0, 1, 2, 255, 7]));
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
      {
        // Global options before the command are taken as after it (as zkCli.sh takes -server).
        args: [...cs(), '--timeout=3000', 'inspect', root.child('missing')],
        code: 1,
        line: new RegExp(`^zk-recipes inspect: no node at ${root.child('missing')}$`),
      },
      {
        args: ['-c', `127.0.0.1:${await refusedPort()}`, '--timeout', '1000', 'ls', '/'],
        code: 1,
        line: /^zk-recipes ls: cannot connect: no ZooKeeper server at 127\.0\.0\.1:\d+ answered within 1000 ms/,
      },
      {
        args: ['-c', 'zk1:2181'],
        code: 2,
        line: /^zk-recipes: expected a command after -c zk1:2181 \(inspect, ls/,
      },
      {
        args: ['--bogus', 'ls', '/'],
        code: 2,
        line: /^zk-recipes: expected a command before --bogus/,
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
    // Several paths: the readable one is shown, the missing one said; exit code 1.
    const several = await runCli([
      'get',
      root.child('secret'),
      root.child('missing'),
      '--digest',
      'ops:s3cret',
      ...cs(),
    ]);
    assert.equal(several.code, 1);
    assert.match(several.stdout, /text: "x"/, 'the right credentials read it');
    assert.equal(several.stderr, `zk-recipes get: no node at ${root.child('missing')}\n`);
  });

  test('help: the commands listed, the options of each command, exit code 0', async () => {
    const [main, ls, inspect] = await Promise.all(
      [['--help'], ['ls', '--help'], ['inspect', '-h']].map((a) => runCli(a)),
    );
    for (const r of [main!, ls!, inspect!]) {
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: zk-recipes/m);
      assert.match(r.stdout, /--connect <hosts>/);
    }
    for (const c of ['inspect', 'ls', 'get', 'watch', 'doctor']) {
      assert.match(main!.stdout, new RegExp(`^  ${c} +\\S`, 'm'), `${c} is listed`);
    }
    assert.match(ls!.stdout, /-R, --recursive/);
    assert.match(inspect!.stdout, /--max-leases <n>/);
  });
});
