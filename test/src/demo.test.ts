import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const demo = fileURLToPath(new URL('../../demo/dist/main.js', import.meta.url));

test('the demo: workers elect a leader and take turns on a lock, the leader is killed, another leads, and every process is stopped', async () => {
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
    'worker-1: connection LATENT -> CONNECTED',
    'is the leader now (epoch',
    'holds the lock (fencing token',
    'killing worker-',
    'CONNECTED -> SUSPENDED',
    'SUSPENDED -> RECONNECTED',
    'fencing tokens rose strictly: yes, two holders at once: never',
    'done: workers stopped, embedded server stopped',
  ]) {
    assert.ok(out.includes(line), `missing "${line}" in:\n${out}`);
  }
  // After the kill, someone else leads: the leaders' names before and after differ.
  const killed = /killing (worker-\d)/.exec(out)![1]!;
  const after = out.slice(out.indexOf('killing'));
  const next = /(worker-\d) is the leader now/.exec(after)![1];
  assert.notEqual(next, killed);
  // Every worker process is gone.
  const pids = /worker pids: ([\d, ]+)/.exec(out)![1]!.split(', ').map(Number);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `pid ${pid} is gone`);
});
