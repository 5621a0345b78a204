// GroupMember against a real server: members seen from every side, a killed member leaving
// every view within its session timeout, an expired member rejoining, a short cut telling
// nothing, a duplicate id refused (Curator merges it), no watch left, and Curator's
// GroupMember (Java) in the same group.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataTooLargeError, InvalidArgumentError, RecipeClosedError } from '@zk-recipes/core';
import {
  GroupMember,
  NodeConflictError,
  PersistentNode,
  type GroupChange,
} from '@zk-recipes/group';
import { assertNoLeftoverWatches, expireSession, FaultProxy, TestRoot } from '@zk-recipes/testing';
import { eventually, startedClient, waitForNewSession } from '../support/core-helpers.js';
import { curatorPeer } from '../support/curator-shared.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const worker = fileURLToPath(new URL('../support/group-worker.js', import.meta.url));

const view = (m: GroupMember) =>
  Object.fromEntries([...m.members()].map(([id, p]) => [id, p.toString()]));

/** Every change `m` tells, with the time it was told. */
function record(m: GroupMember): { change: GroupChange; at: number }[] {
  const seen: { change: GroupChange; at: number }[] = [];
  m.on('change', (change) => seen.push({ change, at: Date.now() }));
  return seen;
}

test('GroupMember: members seen from every side with their payloads; joins, leaves and payload updates told by events and changes(); our node is ephemeral at path/<id>; no watch left after close', async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  try {
    const group = root.child('cluster');
    const ma = new GroupMember(a.client, group, 'a', { payload: 'pa' });
    await ma.start();
    const node = await b.client.getData(`${group}/a`);
    assert.equal(node.data.toString(), 'pa');
    assert.equal(node.stat.ephemeralOwner, a.client.session!.sessionId);
    assert.deepEqual(view(ma), { a: 'pa' });
    const told: GroupChange[] = [];
    const iterating = (async () => {
      for await (const c of ma.changes()) told.push(c);
    })();
    const events: string[] = [];
    ma.on('joined', (id, p) => events.push(`joined ${id} ${p.toString()}`));
    ma.on('updated', (id, p, prev) =>
      events.push(`updated ${id} ${prev.toString()}>${p.toString()}`),
    );
    ma.on('left', (id) => events.push(`left ${id}`));
    const mb = new GroupMember(b.client, group, 'b', { payload: 'pb' });
    await mb.start();
    assert.deepEqual(view(mb), { a: 'pa', b: 'pb' }, 'the initial load');
    await eventually(() => view(ma).b === 'pb', 5000, 'a sees b');
    await mb.setPayload('pb2');
    await mb.setPayload('pb2'); // the same bytes: no update
    await eventually(() => view(ma).b === 'pb2', 5000, 'a sees the new payload');
    assert.equal(mb.getPayload().toString(), 'pb2');
    await mb.close();
    await eventually(() => !('b' in view(ma)), 5000, 'b left');
    assert.deepEqual(events, ['joined b pb', 'updated b pb>pb2', 'left b']);
    await ma.close();
    await iterating;
    assert.deepEqual(
      told.map((c) => `${c.type} ${c.id} ${c.payload.toString()}`),
      ['joined b pb', 'updated b pb2', 'left b pb2'],
      'changes() yields the same and ends on close',
    );
    assert.equal(await b.client.exists(`${group}/a`), null, 'our node deleted on close');
    await assertNoLeftoverWatches(server, { under: group });
  } finally {
    await root.remove();
  }
});

test("GroupMember: a duplicate id is a typed conflict, the live member's node untouched (Curator's merges both into one node); it joins once the id is free. Bad input throws before anything is sent", async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  try {
    const group = root.child('dup');
    const first = new GroupMember(a.client, group, 'same', { payload: 'first' });
    await first.start();
    await using second = new GroupMember(b.client, group, 'same', { payload: 'second' });
    await assert.rejects(
      second.start(),
      (e) =>
        e instanceof NodeConflictError &&
        e.code === 'NODE_CONFLICT' &&
        e.owner === a.client.session!.sessionId,
    );
    const held = await b.client.getData(`${group}/same`);
    assert.equal(held.data.toString(), 'first');
    assert.equal(held.stat.version, 0, 'not written');
    assert.deepEqual(view(second), { same: 'first' }, 'the view is the live member');
    // Waiting for its id, not placed: a payload over the limit is refused all the same (it was
    // kept, and every later create failed: a member that could never join).
    await assert.rejects(second.setPayload(Buffer.alloc(2 * 1024 * 1024)), DataTooLargeError);
    assert.equal(second.getPayload().toString(), 'second', 'the payload kept is the one that fits');
    await first.close();
    assert.equal(await second.waitForJoined({ timeoutMs: 5000 }), true);
    await eventually(() => view(second).same === 'second', 5000, 'second in place');

    const bad = (f: () => unknown, field: string) =>
      assert.throws(
        f,
        (e) =>
          e instanceof InvalidArgumentError &&
          e.code === 'INVALID_ARGUMENT' &&
          e.message.length > 0,
        field,
      );
    bad(() => new GroupMember(a.client, group, 'x/y'), 'id with /');
    bad(() => new GroupMember(a.client, group, ''), 'empty id');
    bad(() => new GroupMember(a.client, group, '..'), 'id ..');
    bad(() => new GroupMember(a.client, 'relative', 'x'), 'relative path');
    bad(
      () => new GroupMember(a.client, group, 'x', { payload: 5 as unknown as string }),
      'payload type',
    );
    await using big = new GroupMember(a.client, root.child('big'), 'x', {
      payload: Buffer.alloc(2 * 1024 * 1024),
    });
    await assert.rejects(big.start(), DataTooLargeError);
    assert.equal(await a.client.exists(root.child('big/x')), null, 'nothing created');
    await assert.rejects(second.setPayload(Buffer.alloc(2 * 1024 * 1024)), DataTooLargeError);
    assert.equal((await b.client.getData(`${group}/same`)).data.toString(), 'second');
    assert.equal(second.getPayload().toString(), 'second', 'the payload that fits is kept');
  } finally {
    await root.remove();
  }
});

test('GroupMember: a killed member (SIGKILL, its own process and session) leaves every other member within the session timeout + 1 s', async (t) => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({ connectString: server.connectString });
  const group = root.child('killed');
  const child = fork(worker, [server.connectString, group, 'victim', '2000'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  try {
    const [msg] = (await once(child, 'message')) as [{ sessionTimeoutMs: number }];
    await using ma = new GroupMember(a.client, group, 'a');
    await using mb = new GroupMember(b.client, group, 'b');
    await Promise.all([ma.start(), mb.start()]);
    const seen = [record(ma), record(mb)];
    assert.ok('victim' in view(ma) && 'victim' in view(mb));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    const bound = msg.sessionTimeoutMs + 1000;
    for (const [i, m] of [ma, mb].entries()) {
      await eventually(() => !('victim' in view(m)), bound + 2000, `member ${i} sees the leave`);
      const left = seen[i]!.find((s) => s.change.type === 'left' && s.change.id === 'victim');
      assert.ok(left, 'a left event');
      const took = left.at - killedAt;
      t.diagnostic(`member ${i}: left after ${took} ms (session ${msg.sessionTimeoutMs} ms)`);
      assert.ok(took <= bound, `left after ${took} ms (session ${msg.sessionTimeoutMs} ms)`);
    }
    assert.deepEqual(Object.keys(view(ma)), ['a', 'b']);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await root.remove();
  }
});

test('GroupMember: an expired member rejoins within 1 s of its new session, in its own view and the others', async (t) => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({
    connectString: server.connectString,
    sessionTimeoutMs: 2000,
  });
  try {
    const group = root.child('expired');
    await using ma = new GroupMember(a.client, group, 'a');
    await using mb = new GroupMember(b.client, group, 'b', { payload: 'pb' });
    await Promise.all([ma.start(), mb.start()]);
    const seen = record(ma);
    const old = b.client.session!.sessionId;
    await expireSession(b.client, server);
    await waitForNewSession(b.client, old);
    const t0 = Date.now();
    await eventually(
      async () =>
        (await a.client.exists(`${group}/b`))?.ephemeralOwner === b.client.session!.sessionId &&
        view(ma).b === 'pb' &&
        seen.at(-1)?.change.type === 'joined',
      1000,
      'b back in a view and its node in the new session',
    );
    const took = Date.now() - t0;
    t.diagnostic(`back in the other's view ${took} ms after the new session`);
    assert.ok(took <= 1000);
    assert.deepEqual(
      seen.map((s) => `${s.change.type} ${s.change.id}`),
      ['left b', 'joined b'],
    );
    await eventually(
      () => view(mb).a !== undefined && view(mb).b === 'pb',
      1000,
      'b sees the group',
    );
  } finally {
    await root.remove();
  }
});

test('GroupMember: a short connection cut (session kept) tells no leave or join, anywhere, and writes nothing', async () => {
  const root = await TestRoot.create(server);
  await using proxy = await FaultProxy.start(server);
  await using a = await startedClient({ connectString: server.connectString });
  await using b = await startedClient({
    connectString: proxy.connectString,
    sessionTimeoutMs: 4000,
  });
  try {
    const group = root.child('cut');
    await using ma = new GroupMember(a.client, group, 'a');
    await using mb = new GroupMember(b.client, group, 'b');
    await Promise.all([ma.start(), mb.start()]);
    const seenA = record(ma);
    const seenB = record(mb);
    const before = (await a.client.exists(`${group}/b`))!;
    const writes = proxy.requestCount('create') + proxy.requestCount('setData');
    proxy.rejectConnections();
    await eventually(() => b.client.state === 'SUSPENDED', 5000, 'suspended');
    await new Promise((r) => setTimeout(r, 500));
    proxy.heal();
    await eventually(() => b.client.state === 'RECONNECTED' && !mb.isStale(), 5000, 'resynced');
    await new Promise((r) => setTimeout(r, 200)); // a late event would come in this time
    assert.deepEqual(seenA, []);
    assert.deepEqual(seenB, []);
    assert.equal(proxy.requestCount('create') + proxy.requestCount('setData'), writes);
    assert.equal((await a.client.exists(`${group}/b`))!.mzxid, before.mzxid);
    assert.deepEqual(Object.keys(view(mb)), ['a', 'b']);
  } finally {
    await root.remove();
  }
});

test("Curator interop: Curator's GroupMember (Java) and ours in one group see each other with their payloads, and each other's leave; a duplicate of Java's id is a conflict", async () => {
  const root = await TestRoot.create(server);
  await using c = await startedClient({ connectString: server.connectString });
  try {
    const group = root.child('mixed');
    await using java = curatorPeer('group-member', server.connectString, group, 'java', 'pj');
    assert.equal(await java.line(), 'members java=pj');
    // Curator's getCurrentMembers() always lists its own id, before its PersistentNode has made
    // the node: wait for the node itself, so that ours, started after it, must see it.
    await eventually(
      async () => (await c.client.exists(`${group}/java`)) !== null,
      5000,
      'java joined',
    );
    await using ours = new GroupMember(c.client, group, 'ts', { payload: 'pt' });
    await ours.start();
    assert.deepEqual(view(ours), { java: 'pj', ts: 'pt' });
    assert.equal((await c.client.getData(`${group}/java`)).stat.ephemeralOwner !== 0n, true);
    assert.equal(await java.line(), 'members java=pj,ts=pt');
    // Our member with Java's id: a conflict, Java's node untouched (Curator's would adopt it).
    const javaNode = await c.client.getData(`${group}/java`);
    await using dup = new GroupMember(c.client, group, 'java', { payload: 'dup' });
    await assert.rejects(dup.start(), NodeConflictError);
    await dup.close();
    const still = await c.client.getData(`${group}/java`);
    assert.equal(still.data.toString(), 'pj');
    assert.equal(still.stat.mzxid, javaNode.stat.mzxid, 'not written');
    await ours.setPayload('pt2');
    assert.equal(await java.line(), 'members java=pj,ts=pt2');
    await ours.close();
    assert.equal(await java.line(), 'members java=pj');
    await using back = new GroupMember(c.client, group, 'ts', { payload: 'pt3' });
    await back.start();
    assert.equal(await java.line(), 'members java=pj,ts=pt3');
    java.send('close');
    assert.equal(await java.line(), 'closed');
    await eventually(() => !('java' in view(back)), 5000, 'java left');
  } finally {
    await root.remove();
  }
});

test('GroupMember and PersistentNode: every call after close() is a RecipeClosedError, and nothing is written (setPayload resolved and the old members() map stayed)', async () => {
  const root = await TestRoot.create(server);
  await using a = await startedClient({ connectString: server.connectString });
  try {
    const closed = (e: unknown) => e instanceof RecipeClosedError && e.code === 'RECIPE_CLOSED';
    const member = new GroupMember(a.client, root.child('g'), 'm', { payload: 'p' });
    await member.start();
    const node = new PersistentNode(a.client, root.child('n'), { mode: 'PERSISTENT', data: 'd' });
    await node.start();
    await member.close();
    await node.close();
    await assert.rejects(member.setPayload('after'), closed);
    await assert.rejects(member.waitForJoined({ timeoutMs: 100 }), closed);
    assert.throws(() => member.members(), closed);
    assert.throws(() => member.getPayload(), closed);
    assert.throws(() => member.isStale(), closed);
    assert.throws(() => member.changes(), closed);
    await assert.rejects(node.setData('after'), closed);
    await assert.rejects(node.waitForPlaced({ timeoutMs: 100 }), closed);
    assert.throws(() => node.getData(), closed);
    assert.equal(await a.client.exists(root.child('g/m')), null, 'the member left');
    assert.equal(await a.client.exists(root.child('n')), null, 'nothing made again');
  } finally {
    await root.remove();
  }
});
