import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
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
  test(`a server's JVM dies with the test process that started it, and its folder goes (${signal})`, async () => {
    const child = spawn(process.execPath, [holder], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const [pidText, dir] = chunk.toString().trim().split(' ');
    const pid = Number(pidText);
    assert.ok(pid > 0 && alive(pid), 'the JVM runs');
    assert.ok(dir && fs.existsSync(dir), 'the server has its folder');
    child.kill(signal);
    await once(child, 'exit');
    await timing.waitFor(() => !alive(pid), { timeoutMs: 5000, message: `JVM ${pid} to exit` });
    // No exit handler ran in the killed process: the guard removes the folder.
    await timing.waitFor(() => !fs.existsSync(dir), {
      timeoutMs: 5000,
      message: `${dir} to be removed`,
    });
  });
}

test("a signal to the test process's whole process group (timeout(1), a CI cancellation) leaves no JVM and no folder", async () => {
  // A process group of its own, as a shell or timeout(1) gives the command it runs.
  const child = spawn(process.execPath, [holder], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  const [pidText, dir] = chunk.toString().trim().split(' ');
  const pid = Number(pidText);
  assert.ok(pid > 0 && alive(pid), 'the JVM runs');
  assert.ok(dir && fs.existsSync(dir), 'the server has its folder');
  process.kill(-child.pid!, 'SIGTERM');
  await once(child, 'exit');
  await timing.waitFor(() => !alive(pid), { timeoutMs: 5000, message: `JVM ${pid} to exit` });
  await timing.waitFor(() => !fs.existsSync(dir), {
    timeoutMs: 5000,
    message: `${dir} to be removed`,
  });
});
