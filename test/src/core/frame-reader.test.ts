// Core reads the server's frames itself (packages/core/src/driver/reader.ts) instead of the
// package's onSocketData. These tests hold it to what the package did right, and to one thing
// the package does wrong: a partial frame must not outlive its connection.
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { WatchEvent } from '@zk-recipes/core';
import { timing } from '@zk-recipes/testing';
import { connectionManagerOf, startedClient } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

const server = sharedServer();

test('a reply cut off mid-frame with its connection is not read with the next connection', async () => {
  await using fx = await proxiedClients(server, { clients: [{ sessionTimeoutMs: 6000 }] });
  const { root, proxy } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const node = root.child('n');
  await client.create(node, 'x'.repeat(300));
  const sessionId = client.session?.sessionId;
  // 40 of the reply's 390-odd bytes arrive, then the connection closes. The package kept such
  // bytes (its pendingBuffer) and read the next connection's handshake behind them.
  const dropped = proxy.dropNextReply({ op: 'getData', path: node }, { deliverBytes: 40 });
  const read = client.getData(node); // retried on the next connection
  await dropped;
  assert.equal((await read).data.toString(), 'x'.repeat(300));
  assert.equal(client.session?.sessionId, sessionId, 'the same session, reconnected');
  assert.equal(client.state, 'RECONNECTED');
  assert.ok(proxy.acceptedCount >= 2, 'it did reconnect');
});

test('the last zxid seen is taken from every reply (the next handshake sends it)', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const cm = connectionManagerOf(client);
  const made = await client.create(root.child('a'), 'v');
  assert.equal(cm.zxid.readBigInt64BE(0), made.stat.czxid);
  const changed = await client.setData(root.child('a'), 'w');
  assert.equal(cm.zxid.readBigInt64BE(0), changed.mzxid);
  const read = await client.getChildren(root.path);
  assert.ok(cm.zxid.readBigInt64BE(0) >= read.stat.pzxid);
});

test('under a chroot, notifications name paths inside it, and its root is "/"', async () => {
  await using fx = await proxiedClients(server, { client: { chroot: true }, proxy: false });
  const [{ client }] = fx.clients;
  const seen: WatchEvent[] = [];
  await client.getChildren('/', { watch: (e) => seen.push(e) });
  await client.create('/a', 'v');
  await client.getData('/a', { watch: (e) => seen.push(e) });
  await client.delete('/a');
  await timing.waitFor(() => seen.length === 2, { message: 'two notifications' });
  assert.deepEqual(
    seen.map((e) => [e.type, e.path]),
    [
      ['NodeChildrenChanged', '/'],
      ['NodeDeleted', '/a'],
    ],
  );
});

test('replies and notifications that share a chunk, or span chunks, are each read once, in order', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const events: string[] = [];
  const names = Array.from({ length: 200 }, (_, i) => `n${i}`);
  // 2 kB each: 200 replies of that size arrive in reads that end mid-frame.
  const value = (n: string, v: number) => `${n}:${v}:`.padEnd(2000, '.');
  await Promise.all(names.map((n) => client.create(root.child(n), value(n, 0))));
  // Watches on all, then changes to all: the server answers with replies and notifications
  // interleaved, many frames to a read.
  const first = await Promise.all(
    names.map((n) => client.getData(root.child(n), { watch: (e) => events.push(e.path) })),
  );
  assert.deepEqual(
    first.map((d) => d.data.toString()),
    names.map((n) => value(n, 0)),
  );
  await Promise.all(names.map((n) => client.setData(root.child(n), value(n, 1))));
  await timing.waitFor(() => events.length === 200, { message: '200 notifications' });
  assert.deepEqual([...events].sort(), names.map((n) => root.child(n)).sort());
  const data = await Promise.all(names.map((n) => client.getData(root.child(n))));
  assert.deepEqual(
    data.map((d) => d.data.toString()),
    names.map((n) => value(n, 1)),
  );
});

test('a reply many socket reads long arrives whole', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [started] = fx.clients;
  const { client } = started;
  const big = Buffer.alloc(900 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  await client.create(root.child('big'), big);
  for (let i = 0; i < 3; i++) {
    const [a, b] = await Promise.all([
      client.getData(root.child('big')),
      client.getData(root.child('big')),
    ]);
    assert.ok(a.data.equals(big) && b.data.equals(big));
  }
});

/**
 * A relay to `target` that passes the server's bytes on in pieces of 1 to 7 bytes, a
 * millisecond apart, so that the client reads frames, and frame lengths, cut at every place.
 */
async function shreddingRelay(target: string): Promise<{ connectString: string; close(): void }> {
  const [host, port] = target.split(',')[0]!.split('/')[0]!.split(':');
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    let queue = Promise.resolve();
    let piece = 0;
    upstream.on('data', (chunk: Buffer) => {
      queue = queue.then(async () => {
        for (let o = 0; o < chunk.length && !client.destroyed;) {
          const n = 1 + (piece++ % 7);
          client.write(chunk.subarray(o, o + n));
          o += n;
          await sleep(1);
        }
      });
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const { port: local } = relay.address() as net.AddressInfo;
  return {
    connectString: `127.0.0.1:${local}`,
    close() {
      for (const s of sockets) s.destroy();
      relay.close();
    },
  };
}

test('frames whose bytes, length included, arrive a few at a time are each read once, whole', async () => {
  await using fx = await proxiedClients(server, { proxy: false });
  const { root } = fx;
  const [{ client: writer }] = fx.clients;
  const relay = await shreddingRelay(server.connectString);
  try {
    await using reader = await startedClient({ connectString: relay.connectString });
    const { client } = reader;
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    await Promise.all(names.map((n) => writer.create(root.child(n), `${n}:`.padEnd(40, n))));
    const events: string[] = [];
    const read = await Promise.all(
      names.map((n) => client.getData(root.child(n), { watch: (e) => events.push(e.path) })),
    );
    assert.deepEqual(
      read.map((d) => d.data.toString()),
      names.map((n) => `${n}:`.padEnd(40, n)),
    );
    const listed = await client.getChildren(root.path);
    assert.deepEqual([...listed.children].sort(), names);
    await Promise.all(names.map((n) => writer.setData(root.child(n), 'changed')));
    await timing.waitFor(() => events.length === names.length, { message: 'every notification' });
    assert.deepEqual([...events].sort(), names.map((n) => root.child(n)).sort());
    const again = await Promise.all(names.map((n) => client.getData(root.child(n))));
    assert.ok(again.every((d) => d.data.toString() === 'changed'));
    assert.deepEqual(reader.states(), ['CONNECTED'], 'one connection throughout');
  } finally {
    relay.close();
  }
});
