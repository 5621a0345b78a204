import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);

test('each package is importable by plain node as ESM and with require()', () => {
  for (const name of ['@zk-recipes/core', '@zk-recipes/testing']) {
    const cjs = require(name) as Record<string, unknown>;
    assert.ok(Object.keys(cjs).length > 5, `${name} via require()`);
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import('${name}'); console.log(Object.keys(m).length)`,
      ],
      { cwd: new URL('.', import.meta.url), encoding: 'utf8' },
    );
    assert.ok(Number(out) > 5, `${name} via import`);
  }
  const core = require('@zk-recipes/core') as { createClient: unknown; ZooKeeperCode: unknown };
  assert.equal(typeof core.createClient, 'function');
});
