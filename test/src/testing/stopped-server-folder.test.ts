// A stopped server (kept for restart()) has no JVM and so no JVM guard: its folder used to stay
// in the temp directory when the process that owned it was then ended by a signal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { timing } from '@zk-recipes/testing';

const holder = fileURLToPath(new URL('../support/hold-server.js', import.meta.url));

async function stoppedServerIn(detached: boolean) {
  const child = spawn(process.execPath, [holder, 'stopped'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached,
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  const dir = chunk.toString().trim().split(' ')[1];
  assert.ok(dir && fs.existsSync(dir), 'the stopped server keeps its folder');
  return { child, dir };
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`a stopped server's folder goes when its process is ended by ${signal}`, async () => {
    const { child, dir } = await stoppedServerIn(false);
    child.kill(signal);
    await once(child, 'exit');
    await timing.waitFor(() => !fs.existsSync(dir), {
      timeoutMs: 5000,
      message: `${dir} to be removed`,
    });
  });
}

test("a stopped server's folder goes on a signal to the whole process group", async () => {
  const { child, dir } = await stoppedServerIn(true);
  process.kill(-child.pid!, 'SIGTERM');
  await once(child, 'exit');
  await timing.waitFor(() => !fs.existsSync(dir), {
    timeoutMs: 5000,
    message: `${dir} to be removed`,
  });
});
