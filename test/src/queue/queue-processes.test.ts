// 4 consumer processes and 2 producer processes on a 3-server ensemble, while consumers are
// killed with SIGKILL, a consumer's session is expired and a server is killed. At least once:
// no item lost, none completed (acknowledged) twice, and only items in the hands of a consumer
// that died or lost its session delivered twice. At most once: no item delivered twice, and
// only items in the hands of a killed consumer lost. Scaled down by default; ZK_SOAK=1 runs
// 20,000 items.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createClient } from '@zk-recipes/core';
import { expireSession, TestingCluster } from '@zk-recipes/testing';

const SOAK = process.env.ZK_SOAK === '1';
const ITEMS = SOAK ? 20_000 : 300;
const CONCURRENCY = 4;
const HOLD_MS = 4;
const worker = fileURLToPath(new URL('../support/queue-worker.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: TestingCluster | undefined;
before(async () => {
  cluster = await TestingCluster.start({ size: 3, tickTimeMs: 200 });
});
after(async () => {
  await cluster?.close();
});

class Run {
  readonly got = new Map<string, number>();
  readonly acked = new Map<string, number>();
  readonly ackfail = new Set<string>();
  readonly put = new Set<string>();
  readonly putfail = new Set<string>();
  readonly errors: string[] = [];
  /** What each consumer got and did not acknowledge (its hands, for a killed one). */
  readonly inHand = new Map<ChildProcess, Set<string>>();
  readonly sessions = new Map<ChildProcess, { id: bigint; password: Buffer }>();
  /** Every session each process reported, in order, and its reports (for a stall's message). */
  readonly history: string[] = [];
  readonly children = new Set<ChildProcess>();
  readonly killed = new Set<ChildProcess>();
  /** Exit codes of the processes not killed on purpose (0: a clean stop). */
  readonly exits: (number | null)[] = [];

  constructor(
    readonly path: string,
    readonly mode: 'at-least-once' | 'at-most-once',
  ) {}

  private spawn(args: string[]): ChildProcess {
    const child = fork(worker, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.children.add(child);
    const hand = new Set<string>();
    this.inHand.set(child, hand);
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    child.on('message', (lines: string[]) => {
      for (const line of lines) {
        const [word, item = '', extra = ''] = line.split(' ');
        if (word === 'got') {
          bump(this.got, item);
          hand.add(item);
        } else if (word === 'acked') {
          bump(this.acked, item);
          hand.delete(item);
        } else if (word === 'ackfail') {
          this.ackfail.add(item);
          hand.delete(item);
        } else if (word === 'put') this.put.add(item);
        else if (word === 'putfail') this.putfail.add(item);
        else if (word === 'session') {
          this.history.push(`${child.pid} session ${item}`);
          this.sessions.set(child, {
            id: BigInt(`0x${item}`),
            password: Buffer.from(extra, 'base64'),
          });
        } else {
          this.errors.push(line);
          this.history.push(`${child.pid} ${line}`);
        }
      }
    });
    child.on('exit', (code) => {
      this.children.delete(child);
      if (!this.killed.has(child)) this.exits.push(code);
    });
    return child;
  }

  consumer(connectString: string): ChildProcess {
    return this.spawn([
      'consume',
      connectString,
      this.path,
      this.mode,
      `${CONCURRENCY}`,
      `${HOLD_MS}`,
    ]);
  }

  producer(connectString: string, prefix: string, count: number): ChildProcess {
    return this.spawn(['produce', connectString, this.path, prefix, `${count}`, '4']);
  }

  kill(child: ChildProcess): void {
    this.killed.add(child);
    child.kill('SIGKILL');
  }

  /** Items a killed consumer had in its hands when it died. */
  killedInHand(): Set<string> {
    const out = new Set<string>();
    for (const c of this.killed) for (const i of this.inHand.get(c)!) out.add(i);
    return out;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.children].map(async (c) => {
        const exited = once(c, 'exit');
        if (c.connected) c.send('stop');
        const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }),
    );
  }
}

async function faultRun(mode: 'at-least-once' | 'at-most-once') {
  const c = cluster!;
  const leader = await c.leader();
  const victim = (leader + 1) % 3;
  const survivors = [0, 1, 2].filter((i) => i !== victim).map((i) => c.connectStringOf(i));
  const run = new Run(`/soak-${mode}`, mode);
  const faults = { sigkill: 0, expired: 0, serverKilled: 0 };
  try {
    const consumers = Array.from({ length: 4 }, () => run.consumer(c.connectString));
    const producers = [
      run.producer(survivors.join(','), 'a', ITEMS / 2),
      run.producer(survivors.join(','), 'b', ITEMS / 2),
    ];
    const progress = () => (mode === 'at-least-once' ? run.acked.size : [...run.got.keys()].length);
    const plan: [number, () => Promise<void>][] = [
      [
        0.15,
        async () => {
          run.kill(consumers[0]!);
          faults.sigkill++;
          consumers[0] = run.consumer(c.connectString);
        },
      ],
      [
        0.35,
        async () => {
          // The others may have drained this far before this process even connected.
          while (!run.sessions.get(consumers[1]!)) {
            if (Date.now() > limit) assert.fail('consumer 1 never reported its session');
            await sleep(20);
          }
          const s = run.sessions.get(consumers[1]!)!;
          await expireSession({ sessionId: s.id, password: s.password }, c.connectStringOf(leader));
          faults.expired++;
        },
      ],
      [
        0.55,
        async () => {
          await c.kill(victim);
          faults.serverKilled++;
        },
      ],
      [
        0.75,
        async () => {
          run.kill(consumers[2]!);
          faults.sigkill++;
          consumers[2] = run.consumer(c.connectString);
        },
      ],
    ];
    // Within the runner's 60 s for both tests (scaled by ZK_TEST_TIMING, as the runner is), so
    // that a stall fails with the state below rather than a bare timeout.
    const limit = Date.now() + (SOAK ? 600_000 : 25_000 * Number(process.env.ZK_TEST_TIMING ?? 1));
    const state = async () =>
      JSON.stringify({
        progress: progress(),
        put: run.put.size,
        exits: run.exits,
        running: run.children.size,
        errors: run.errors.slice(-3),
      });
    for (const [at, fault] of plan) {
      while (progress() < at * ITEMS) {
        if (Date.now() > limit) assert.fail(`stalled before a fault at ${at}: ${await state()}`);
        await sleep(20);
      }
      await fault();
    }
    await Promise.all(
      producers.map(async (p) => {
        if (p.exitCode === null) await once(p, 'exit');
      }),
    );
    // Done when every item put was handled (at least once) or the queue is empty (at most once).
    const client = createClient({ connectString: survivors.join(',') });
    await client.start();
    try {
      for (;;) {
        const left = (await client.getChildren(run.path)).children.length;
        const locks = await client
          .getChildren(`${run.path}-locks`)
          .then((r) => r.children.length)
          .catch(() => 0);
        if (Date.now() > limit) {
          const owners = await client
            .getChildren(`${run.path}-locks`)
            .then(({ children }) =>
              Promise.all(
                children.map(async (n) => {
                  const s = await client.exists(`${run.path}-locks/${n}`);
                  return `${n} owner ${s?.ephemeralOwner.toString(16)} czxid ${s?.czxid}`;
                }),
              ),
            )
            .catch((e: unknown) => [String(e)]);
          assert.fail(
            `did not finish: ${left} items, ${locks} locks left (${owners.join('; ')}); ` +
              `${await state()}; killed ${[...run.killed].map((k) => k.pid).join(' ')}; ` +
              `history ${JSON.stringify(run.history)}`,
          );
        }
        if (left === 0 && locks === 0) break;
        await sleep(100);
      }
    } finally {
      await client.close();
    }
    await run.stopAll();
    // A worker that crashed (an unhandled rejection exits 3) would hide its deliveries.
    assert.ok(
      run.exits.every((code) => code === 0),
      `workers exited ${JSON.stringify(run.exits)}`,
    );
    return { run, faults };
  } finally {
    for (const ch of run.children) ch.kill('SIGKILL');
    await c.restart(victim).catch(() => undefined);
  }
}

test('at least once under SIGKILL, session expiry and a dead server: no item lost, none completed twice, duplicates only from dead or expired consumers', async () => {
  const { run, faults } = await faultRun('at-least-once');
  const all = new Set([...run.put, ...run.putfail]);
  // An item a killed consumer acknowledged may have died with its report: gone from the queue,
  // and counted here as acknowledged by it (the queue is empty: nothing else deletes items).
  const killedHands = run.killedInHand();
  // Likewise an item whose ack was refused as of unknown outcome (its consumer's session ended,
  // or its reply was lost, mid-ack) and that is gone: its handler had run (the worker acks after
  // it) and only an ack deletes an item, so that ack committed. How many such acks there may be
  // is bounded below.
  const lost = [...run.put].filter(
    (i) => !run.acked.has(i) && !killedHands.has(i) && !run.ackfail.has(i),
  );
  const about = (i: string) =>
    `${i}: got ${run.got.get(i) ?? 0}, ack refused ${run.ackfail.has(i)}, holders ${[...run.inHand]
      .filter(([, h]) => h.has(i))
      .map(([c]) => `${c.pid}${run.killed.has(c) ? ' (killed)' : ''}`)
      .join(' ')}`;
  assert.deepEqual(
    lost,
    [],
    `every item put was processed and acknowledged: ${lost.map(about).join('; ')}; ` +
      `exits ${JSON.stringify(run.exits)}; reports ${JSON.stringify(run.errors.slice(-5))}`,
  );
  const twice = [...run.acked].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'no item acknowledged (completed) twice');
  const suspects = new Set([...run.ackfail, ...killedHands]);
  const duplicates = [...run.got].filter(([, n]) => n > 1).map(([i]) => i);
  for (const d of duplicates) assert.ok(suspects.has(d), `${d} delivered twice without a fault`);
  assert.ok(killedHands.size <= faults.sigkill * CONCURRENCY, 'killed hands hold <= N');
  assert.ok(
    run.ackfail.size <= (faults.expired + faults.serverKilled) * CONCURRENCY,
    `acks refused ${run.ackfail.size}: more than the consumers in a fault held`,
  );
  console.log(
    `at-least-once: ${all.size} items (${run.putfail.size} puts failed), faults ${JSON.stringify(faults)}, ` +
      `delivered twice ${duplicates.length} (in hands of dead/expired consumers ${suspects.size}, acks refused ${run.ackfail.size}), ` +
      `reports ${JSON.stringify(run.errors.slice(0, 5))}`,
  );
});

test('at most once under SIGKILL, session expiry and a dead server: no item delivered twice, losses only from killed consumers', async () => {
  const { run, faults } = await faultRun('at-most-once');
  const twice = [...run.got].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'no item delivered twice');
  const lost = [...run.put].filter((i) => !run.got.has(i));
  const unknown = run.errors.filter((e) => e.includes('CLAIM_LOST')).length;
  assert.ok(
    lost.length <= faults.sigkill * CONCURRENCY + unknown,
    `lost ${lost.length}: more than the killed consumers could hold`,
  );
  console.log(
    `at-most-once: ${run.put.size} items, faults ${JSON.stringify(faults)}, lost ${lost.length} ` +
      `(deletes of unknown outcome ${unknown})`,
  );
});
