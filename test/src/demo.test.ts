import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const demo = fileURLToPath(new URL('../../demo/dist/main.js', import.meta.url));

test('the demo runs against its embedded server, shows the states, and exits by itself', async () => {
  const env = { ...process.env };
  delete env.ZK_CONNECT;
  const child = spawn(process.execPath, [demo], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.equal(code, 0, out);
  for (const line of [
    'LATENT -> CONNECTED',
    'watch fired: NodeDataChanged',
    'CONNECTED -> SUSPENDED',
    'SUSPENDED -> RECONNECTED',
    'the ephemeral is still there',
    'SUSPENDED -> LOST',
    'embedded server stopped',
  ]) {
    assert.ok(out.includes(line), `missing "${line}" in:\n${out}`);
  }
});
