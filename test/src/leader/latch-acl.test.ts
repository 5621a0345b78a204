// An ACL a user gave must not go with a container: the parents a recipe makes under a
// restrictive ACL are persistent, so once the authorised leader leaves, an anonymous client
// cannot re-create them with world:anyone and lead. A client the ACL refuses is told so
// (NoAuthError from start(), acquire()), rather than trying for ever.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestAcl, NoAuthError, OPEN_ACL_UNSAFE, type ZkClient } from '@zk-recipes/core';
import { LeaderLatch, runWhileLeader } from '@zk-recipes/leader';
import { Mutex } from '@zk-recipes/lock';
import { timing } from '@zk-recipes/testing';
import { sharedServer } from '../support/shared-server.js';
import { proxiedClients } from '../support/proxied-clients.js';

// Containers are reaped within 200 ms of emptying here.
const server = sharedServer({ tickTimeMs: 200, containerCheckIntervalMs: 200 });
const acl = [digestAcl('billing', 's3cret')];

test('an authorised leader closes: its ACL-protected parents stay, and anonymous or wrong-password participants never lead', async () => {
  await using fx = await proxiedClients(server, {
    clients: [
      {
        auth: [{ scheme: 'digest', credentials: 'billing:s3cret' }],
        aclProvider: { defaultAcl: acl },
      },
      {},
      { auth: [{ scheme: 'digest', credentials: 'billing:wrong' }] },
    ],
    proxy: false,
  });
  const { root } = fx;
  const [{ client: authorised }, { client: anonymous }, { client: wrong }] = fx.clients;
  const secure = root.child('secure');
  const path = root.child('secure', 'leader');
  try {
    const latch = new LeaderLatch(authorised, path, { id: 'billing-1' });
    await latch.start();
    await latch.awaitLeadership({ timeoutMs: timing.ms(10_000) });
    for (const p of [secure, path]) assert.deepEqual((await authorised.getACL(p)).acl, acl);
    // While it leads, the others are refused at once, not left to time out.
    await assertRefused(anonymous, path);
    await latch.close();
    // Long enough for the server to reap empty containers many times over.
    await timing.sleep(1500);
    assert.ok(await authorised.exists(path), 'the emptied parent stays');
    let led = 0;
    for (const client of [anonymous, wrong]) {
      await assertRefused(client, path, () => led++);
    }
    await timing.sleep(1000);
    assert.equal(led, 0, 'no unauthorised participant led');
    assert.deepEqual((await authorised.getACL(path)).acl, acl, 'the ACL is still the one given');
  } finally {
    await authorised.delete(secure, { deleteChildren: true }).catch(() => undefined);
  }
});

async function assertRefused(client: ZkClient, path: string, onLead?: () => void): Promise<void> {
  const latch = new LeaderLatch(client, path);
  if (onLead) latch.on('isLeader', onLead);
  await assert.rejects(latch.start(), NoAuthError);
  assert.equal(latch.state, 'CLOSED');
  await assert.rejects(runWhileLeader(client, path, { onElected: () => onLead?.() }), NoAuthError);
  await assert.rejects(
    new Mutex(client, `${path}-lock`).acquire({ timeoutMs: timing.ms(5000) }),
    NoAuthError,
  );
}

test('parents made under a restrictive ACL are persistent; under the open ACL, containers', async () => {
  await using fx = await proxiedClients(server, {
    clients: [
      {
        auth: [{ scheme: 'digest', credentials: 'billing:s3cret' }],
        aclProvider: {
          defaultAcl: acl,
          forPath: (p) => (p.includes('/open') ? OPEN_ACL_UNSAFE : undefined),
        },
      },
    ],
    proxy: false,
  });
  const { root } = fx;
  const [{ client }] = fx.clients;
  try {
    // A parent that had a child and lost it: a container goes (the server reaps it), a
    // persistent node stays. (A Stat cannot tell: the server shows a container's owner as 0.)
    for (const kind of ['closed', 'open']) {
      await client.create(root.child(kind, 'a', 'x'), '', { createParents: true });
      await client.delete(root.child(kind, 'a', 'x'));
    }
    await timing.waitFor(async () => (await client.exists(root.child('open', 'a'))) === null, {
      message: 'the emptied container under the open ACL to go',
    });
    assert.ok(await client.exists(root.child('closed', 'a')), 'the protected parent stays');
    assert.deepEqual((await client.getACL(root.child('closed', 'a'))).acl, acl);
  } finally {
    await client.delete(root.child('closed'), { deleteChildren: true }).catch(() => undefined);
  }
});
