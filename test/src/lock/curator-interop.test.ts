import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { assertNoLeftoverNodes, TestRoot } from '@zk-recipes/testing';
import { compiledJava } from '../support/java.js';
import { sharedServer } from '../support/shared-server.js';

const server = sharedServer({ tickTimeMs: 200 });
const tsWorker = fileURLToPath(new URL('../support/lock-worker.js', import.meta.url));

interface Checker {
  holders: Set<string>;
  maxHolders: number;
  grants: { who: string; token: bigint }[];
}

function enter(c: Checker, who: string, token: bigint) {
  c.holders.add(who);
  c.maxHolders = Math.max(c.maxHolders, c.holders.size);
  c.grants.push({ who, token });
}

function javaWorker(
  c: Checker,
  classPath: string,
  path: string,
  rounds: number,
  who: string,
): ChildProcess {
  const child = spawn(
    'java',
    ['-cp', classPath, 'CuratorMutexWorker', server.connectString, path, String(rounds)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const [word, token] = line.split(' ');
    if (word === 'enter') enter(c, who, BigInt(token!));
    else if (word === 'exit') c.holders.delete(who);
    else return;
    child.stdin.write('ack\n');
  });
  return child;
}

function nodeWorker(c: Checker, path: string, rounds: number, who: string): ChildProcess {
  const child = fork(tsWorker, [server.connectString, path, String(rounds)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m: { type: string; token?: string }) => {
    if (m.type === 'enter') enter(c, who, BigInt(m.token!));
    else c.holders.delete(who);
    child.send('ack');
  });
  return child;
}

test('Curator InterProcessMutex (Java) and Mutex (TypeScript) exclude each other on one path', async () => {
  const classPath = compiledJava('CuratorMutexWorker');
  await using root = await TestRoot.create(server);
  const path = root.child('shared-lock');
  const c: Checker = { holders: new Set(), maxHolders: 0, grants: [] };
  const workers = [
    javaWorker(c, classPath, path, 25, 'java-1'),
    javaWorker(c, classPath, path, 25, 'java-2'),
    nodeWorker(c, path, 25, 'ts-1'),
    nodeWorker(c, path, 25, 'ts-2'),
  ];
  const codes = await Promise.all(workers.map(async (w) => (await once(w, 'exit'))[0] as number));
  assert.deepEqual(codes, [0, 0, 0, 0]);
  assert.equal(c.grants.length, 100);
  assert.equal(c.maxHolders, 1, 'never two holders, across languages');
  const whoHeld = new Set(c.grants.map((g) => g.who.split('-')[0]));
  assert.deepEqual([...whoHeld].sort(), ['java', 'ts'], 'both languages held the lock');
  for (let i = 1; i < c.grants.length; i++) {
    assert.ok(
      c.grants[i]!.token > c.grants[i - 1]!.token,
      `grant ${i}: tokens rise in grant order`,
    );
  }
  // The two interleave: Java waited behind TypeScript nodes and the other way round.
  const switches = c.grants.filter(
    (g, i) => i > 0 && g.who.split('-')[0] !== c.grants[i - 1]!.who.split('-')[0],
  );
  assert.ok(switches.length >= 5, `the languages alternated ${switches.length} times`);
  await assertNoLeftoverNodes(server, path);
});
