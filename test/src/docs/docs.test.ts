// The docs are code a user copies: every TypeScript block of the READMEs and docs/ compiles
// against the built packages, the links and file names they give exist, and the operations
// example of docs/core.md runs on an empty server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { createClient } from '@zk-recipes/core';
import { TestRoot } from '@zk-recipes/testing';
import {
  compile,
  docPages,
  emitBlock,
  repo,
  tsBlocks,
  writeProject,
} from '../support/doc-blocks.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer();
const work = path.join(repo, 'test', 'dist', 'docs-blocks');

test('every TypeScript block of the READMEs and docs/ compiles against the built packages', () => {
  const pages = docPages();
  for (const p of ['README.md', 'packages/core/README.md', 'docs/core.md']) {
    assert.ok(pages.includes(p), `${p} is checked`);
  }
  const blocks = pages.flatMap(tsBlocks);
  assert.ok(blocks.length >= 30, `${blocks.length} blocks`);
  const errors = compile(
    path.join(work, 'blocks'),
    writeProject(path.join(work, 'blocks'), blocks),
  );
  assert.deepEqual(errors, []);
});

test('the docs link and name only files that exist in the repository', () => {
  const missing: string[] = [];
  for (const page of docPages()) {
    const text = fs.readFileSync(path.join(repo, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const file = target!.split('#')[0]!;
      if (file === '' || /^[a-z]+:/.test(file)) continue; // an anchor, or https:, mailto:
      if (!fs.existsSync(path.resolve(repo, path.dirname(page), file))) {
        missing.push(`${page}: link ${target}`);
      }
    }
    // `test/src/x.test.ts`-style names in prose and tables.
    const named = /`((?:test|packages|docs|scripts|bench|demo)\/[\w./-]+)`/g;
    for (const [, name] of text.matchAll(named)) {
      const file = name!.replace(/[:,.]$/, '');
      if (!fs.existsSync(path.join(repo, file))) missing.push(`${page}: ${file}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('the README shows the registry install and the plain-JavaScript form beside `await using`', () => {
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
  assert.match(readme, /npm install @zk-recipes\/core/);
  const blocks = tsBlocks('README.md').map((b) => b.code);
  assert.ok(blocks.some((c) => /await using/.test(c)));
  // Node 20 does not parse `await using`: a block without it, closing in `finally`.
  assert.ok(blocks.some((c) => !/\busing\b/.test(c) && /finally\s*\{[^}]*close\(\)/.test(c)));
});

test('the operations example of docs/core.md runs on an empty server', async () => {
  const block = tsBlocks('docs/core.md').find((b) => b.code.includes('client.multi('));
  assert.ok(block, 'docs/core.md shows multi()');
  const file = emitBlock(path.join(work, 'multi'), block);
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

test('the API reference builds from the doc comments without a warning (every export documented)', () => {
  // typedoc.json: treatWarningsAsErrors, notDocumented; validation only, no HTML written.
  const typedoc = path.join(repo, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const r = spawnSync(process.execPath, [typedoc, '--emit', 'none'], {
    cwd: repo,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
