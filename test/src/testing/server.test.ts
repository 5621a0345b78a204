import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { createClient } from '@zk-recipes/core';
import {
  locateZooKeeper,
  TestingError,
  TestingServer,
  WireClient,
  ZooKeeperNotFoundError,
} from '@zk-recipes/testing';

test('a standalone server starts, and stop/restart keep its data on the same port', async (t) => {
  const began = performance.now();
  await using server = await TestingServer.start();
  t.diagnostic(`standalone start to ready: ${Math.round(performance.now() - began)} ms`);
  const port = server.port;

  const c = await WireClient.connect({ connectString: server.connectString });
  await c.create('/kept', Buffer.from('hello'));
  await c.closeSession();

  await server.stop();
  assert.equal(server.running, false);
  await assert.rejects(
    WireClient.connect({ connectString: server.connectString, connectTimeoutMs: 500 }),
  );

  const restartBegan = performance.now();
  await server.restart();
  t.diagnostic(`standalone restart to ready: ${Math.round(performance.now() - restartBegan)} ms`);
  assert.equal(server.port, port);
  const c2 = await WireClient.connect({ connectString: server.connectString });
  const { data } = await c2.getData('/kept');
  assert.equal(data?.toString(), 'hello');
  await c2.closeSession();
});

test('close() removes the data folder and stops the JVM', async () => {
  const server = await TestingServer.start();
  const dir = server.dir;
  const pid = server.pid!;
  assert.ok(fs.existsSync(dir));
  await server.close();
  await server.close(); // idempotent
  assert.equal(fs.existsSync(dir), false);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test('tick time and session timeout bounds are applied: a 1 s session is granted', async () => {
  await using server = await TestingServer.start({ tickTimeMs: 200, minSessionTimeoutMs: 400 });
  const c = await WireClient.connect({
    connectString: server.connectString,
    sessionTimeoutMs: 1000,
  });
  assert.equal(c.negotiatedTimeoutMs, 1000);
  await c.closeSession();
  const c2 = await WireClient.connect({
    connectString: server.connectString,
    sessionTimeoutMs: 100,
  });
  assert.equal(c2.negotiatedTimeoutMs, 400);
  await c2.closeSession();
});

test('a missing ZooKeeper install fails with a typed error that says how to install it', () => {
  assert.throws(
    () =>
      locateZooKeeper({ env: { PATH: process.env.PATH }, debianJar: '/nonexistent/zookeeper.jar' }),
    (e: unknown) =>
      e instanceof ZooKeeperNotFoundError &&
      e.code === 'ZOOKEEPER_NOT_FOUND' &&
      /apt-get install zookeeper/.test(e.message) &&
      /ZOOKEEPER_HOME/.test(e.message) &&
      // A package user has no repository: the message names what to install, not our script.
      /zookeeper\.apache\.org\/releases/.test(e.message) &&
      !/setup\.sh/.test(e.message),
  );
  assert.throws(
    () => locateZooKeeper({ env: { ZOOKEEPER_HOME: '/nonexistent', PATH: process.env.PATH } }),
    ZooKeeperNotFoundError,
  );
});

test('ZOOKEEPER_HOME pointing at a release layout is used', () => {
  const dir = fs.mkdtempSync('/tmp/zk-home-');
  try {
    fs.mkdirSync(`${dir}/lib`);
    fs.symlinkSync('/usr/share/java/zookeeper.jar', `${dir}/lib/zookeeper-3.8.0.jar`);
    const found = locateZooKeeper({ env: { ZOOKEEPER_HOME: dir, PATH: process.env.PATH } });
    assert.equal(found.source, dir);
    assert.match(found.classPath, /zookeeper-3\.8\.0\.jar/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('presetNodes: the server starts with each node at its version (here at 2^31-1), the next write wraps it as ZooKeeper does, a restart finds it as it was left; a bad preset is refused before anything starts', async () => {
  await assert.rejects(
    TestingServer.start({ presetNodes: [{ path: 'relative', version: 0 }] }),
    (e) => e instanceof TestingError && e.code === 'BAD_PRESET',
  );
  await assert.rejects(
    TestingServer.start({ presetNodes: [{ path: '/a', version: 2 ** 31 }] }),
    (e) => e instanceof TestingError && e.code === 'BAD_PRESET',
  );
  await using server = await TestingServer.start({
    presetNodes: [{ path: '/deep/node', data: Buffer.from('x'), version: 2147483647 }],
  });
  await using c = createClient({ connectString: server.connectString });
  await c.start();
  const before = await c.getData('/deep/node');
  assert.deepEqual([before.data.toString(), before.stat.version], ['x', 2147483647]);
  assert.equal((await c.setData('/deep/node', 'y')).version, -2147483648);
  await server.restart();
  await c.blockUntilConnected({ timeoutMs: 10_000 });
  const after = await c.getData('/deep/node');
  assert.deepEqual([after.data.toString(), after.stat.version], ['y', -2147483648]);
});
