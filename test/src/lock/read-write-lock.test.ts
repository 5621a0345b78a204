import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ReadWriteLock, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  TestRoot,
  WireClient,
  timing,
} from '@zk-recipes/testing';
import { startedClient } from '../support/core-helpers.js';
import { compiledJava } from '../support/java.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const tsWorker = fileURLToPath(new URL('../support/lock-worker.js', import.meta.url));

async function settledWithin<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await timing.sleep(ms);
  return done;
}

test("readers share, a writer excludes everyone; Curator's __READ__/__WRIT__ layout", async () => {
  await using root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  await using c = await startedClient({ connectString: server.connectString });
  const path = root.child('rw');
  const r1 = await new ReadWriteLock(a.client, path).readLock().acquire();
  const r2 = await new ReadWriteLock(b.client, path).readLock().acquire();
  const writing = new ReadWriteLock(c.client, path).writeLock().acquire();
  assert.equal(await settledWithin(writing, 200), false, 'the writer waits for the readers');
  const raw = await WireClient.connect({ connectString: server.connectString });
  const names = await raw.getChildren(path);
  await raw.closeSession();
  assert.equal(names.filter((n) => /^_c_[0-9a-f-]{36}-__READ__\d{10}$/.test(n)).length, 2);
  assert.equal(names.filter((n) => /^_c_[0-9a-f-]{36}-__WRIT__\d{10}$/.test(n)).length, 1);
  const lateReader = new ReadWriteLock(a.client, path).readLock().acquire();
  await r1.release();
  assert.equal(await settledWithin(writing, 150), false);
  await r2.release();
  const wl = await writing;
  assert.equal(await settledWithin(lateReader, 150), false, 'a reader behind a writer waits');
  await wl.release();
  const late = await lateReader;
  await late.release();
  await assertNoLeftoverNodes(server, path);
  await assertNoLeftoverWatches(server, { under: root.path });
});

test('a write-to-read downgrade keeps a waiting writer out (CURATOR-621, CURATOR-276)', async () => {
  await using root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  const path = root.child('rw');
  const rw = new ReadWriteLock(a.client, path);
  const write = await rw.writeLock().acquire();
  const otherWriter = new ReadWriteLock(b.client, path).writeLock().acquire();
  await timing.sleep(150);
  const read: Lease = await rw.readLock().acquire(); // downgrade: granted at once
  await write.release();
  assert.equal(
    await settledWithin(otherWriter, 400),
    false,
    'the waiting writer must not get the lock while the downgraded reader reads',
  );
  assert.equal(
    await new ReadWriteLock(b.client, path)
      .readLock()
      .tryAcquire()
      .then(async (l) => {
        await l?.release();
        return l === undefined;
      }),
    true,
    'a new reader waits behind the waiting writer',
  );
  await read.release();
  const w2 = await otherWriter;
  assert.ok(w2.fencingToken > write.fencingToken);
  await w2.release();
  await assertNoLeftoverNodes(server, path);
});

test('Curator InterProcessReadWriteLock (Java) and ReadWriteLock (TypeScript): a writer is always alone', async () => {
  const classPath = compiledJava('CuratorReadWriteWorker');
  await using root = await TestRoot.create(server);
  const path = root.child('shared-rw');
  const holders = new Map<string, 'read' | 'write'>();
  let violations = 0;
  let concurrentReads = 0;
  const grants: string[] = [];
  const enter = (who: string, mode: 'read' | 'write') => {
    const others = [...holders.values()];
    if (mode === 'write' ? others.length > 0 : others.includes('write')) violations++;
    if (mode === 'read' && others.length > 0) concurrentReads++;
    holders.set(who, mode);
    grants.push(`${who}:${mode}`);
  };
  const later = (fn: () => void) => setTimeout(fn, 10);
  const workers: ChildProcess[] = [];
  for (const [who, mode] of [
    ['java-w', 'write'],
    ['java-r', 'read'],
  ] as const) {
    const child = spawn(
      'java',
      ['-cp', classPath, 'CuratorReadWriteWorker', server.connectString, path, mode, '15'],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'enter') enter(who, mode);
      else if (line === 'exit') holders.delete(who);
      else return;
      later(() => child.stdin.write('ack\n'));
    });
    workers.push(child);
  }
  for (const [who, mode] of [
    ['ts-w', 'write'],
    ['ts-r1', 'read'],
    ['ts-r2', 'read'],
  ] as const) {
    const child = fork(tsWorker, [server.connectString, path, '15', mode], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (m: { type: string }) => {
      if (m.type === 'enter') enter(who, mode);
      else holders.delete(who);
      later(() => child.send('ack'));
    });
    workers.push(child);
  }
  const codes = await Promise.all(workers.map(async (w) => (await once(w, 'exit'))[0] as number));
  assert.deepEqual(codes, [0, 0, 0, 0, 0]);
  assert.equal(grants.length, 75);
  assert.equal(violations, 0, 'no writer ever held together with anyone');
  assert.ok(concurrentReads > 0, 'readers did share');
  assert.ok(grants.some((g) => g === 'java-w:write') && grants.some((g) => g === 'ts-w:write'));
  await assertNoLeftoverNodes(server, path);
});
