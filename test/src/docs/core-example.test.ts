// docs/core.md's operations example, run as a user would paste it, on an empty server (under a
// chroot): it failed with NoNodeError when it assumed nodes nobody had made.
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { createClient } from '@zk-recipes/core';
import { TestRoot } from '@zk-recipes/testing';
import { emitBlock, repo, tsBlocks } from '../support/doc-blocks.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();

test('the operations example of docs/core.md runs on an empty server', async () => {
  const block = tsBlocks('docs/core.md').find((b) => b.code.includes('client.multi('));
  assert.ok(block, 'docs/core.md shows multi()');
  const file = emitBlock(path.join(repo, 'test', 'dist', 'docs-blocks', 'multi'), block);
  await using root = await TestRoot.create(server, 'docs');
  await using client = createClient({ connectString: `${server.connectString}${root.path}` });
  await client.start();
  const globals = globalThis as Record<string, unknown>;
  Object.assign(globals, { client, reread: () => undefined });
  try {
    await import(pathToFileURL(file).href);
  } finally {
    delete globals.client;
    delete globals.reread;
  }
  const audit = await client.getChildren('/audit');
  assert.equal(audit.children.length, 1, 'the transaction committed');
  assert.equal((await client.getData('/config')).data.toString(), 'v2');
});
