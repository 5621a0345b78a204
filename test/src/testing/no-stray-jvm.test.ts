import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { timing } from '@zk-recipes/testing';

const holder = fileURLToPath(new URL('../support/hold-server.js', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  test(`a server's JVM dies with the test process that started it (${signal})`, async () => {
    const child = spawn(process.execPath, [holder], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const pid = Number(chunk.toString().trim());
    assert.ok(pid > 0 && alive(pid), 'the JVM runs');
    child.kill(signal);
    await once(child, 'exit');
    await timing.waitFor(() => !alive(pid), { timeoutMs: 5000, message: `JVM ${pid} to exit` });
  });
}
