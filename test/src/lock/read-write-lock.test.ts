import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadWriteLock, type Lease } from '@zk-recipes/lock';
import {
  assertNoLeftoverNodes,
  assertNoLeftoverWatches,
  TestRoot,
  WireClient,
  timing,
} from '@zk-recipes/testing';
import { settledWithin } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { exitCodes, javaWorkerProcess, tsWorkerProcess } from '../support/workers.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer({ tickTimeMs: 200 });

test("readers share, a writer excludes everyone; Curator's __READ__/__WRIT__ layout", async () => {
  await using fx = await proxiedClients(server, { clients: 3, proxy: false });
  const { root } = fx;
  const [a, b, c] = fx.clients;
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
  await using fx = await proxiedClients(server, { clients: 2, proxy: false });
  const { root } = fx;
  const [a, b] = fx.clients;
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
  await using root = await TestRoot.create(server);
  const path = root.child('shared-rw');
  const holders = new Map<string, string>();
  let violations = 0;
  let concurrentReads = 0;
  const grants: string[] = [];
  const modeOf = (who: string) => (who.includes('-w') ? 'write' : 'read');
  const events = {
    enter: (who: string) => {
      const mode = modeOf(who);
      const others = [...holders.values()];
      if (mode === 'write' ? others.length > 0 : others.includes('write')) violations++;
      if (mode === 'read' && others.length > 0) concurrentReads++;
      holders.set(who, mode);
      grants.push(`${who}:${mode}`);
    },
    exit: (who: string) => holders.delete(who),
    holdMs: 10,
  };
  const cs = server.connectString;
  const workers = [
    javaWorkerProcess('java-w', cs, path, 15, 'write', events),
    javaWorkerProcess('java-r', cs, path, 15, 'read', events),
    tsWorkerProcess('ts-w', cs, path, 15, 'write', events),
    tsWorkerProcess('ts-r1', cs, path, 15, 'read', events),
    tsWorkerProcess('ts-r2', cs, path, 15, 'read', events),
  ];
  assert.deepEqual(await exitCodes(workers), [0, 0, 0, 0, 0]);
  assert.equal(grants.length, 75);
  assert.equal(violations, 0, 'no writer ever held together with anyone');
  assert.ok(concurrentReads > 0, 'readers did share');
  assert.ok(grants.includes('java-w:write') && grants.includes('ts-w:write'));
  await assertNoLeftoverNodes(server, path);
});
