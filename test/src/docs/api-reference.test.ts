// The API reference (typedoc.json, `pnpm run docs:api`) builds from the doc comments without a
// warning: every export is documented.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { repo } from '../support/doc-blocks.js';

test('the API reference builds from the doc comments without a warning (every export documented)', () => {
  // typedoc.json: treatWarningsAsErrors, notDocumented; validation only, no HTML written.
  const typedoc = path.join(repo, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const r = spawnSync(process.execPath, [typedoc, '--emit', 'none'], {
    cwd: repo,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
