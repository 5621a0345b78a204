// `zk-recipes watch` as a person sees it, in a real terminal (tmux: start it, change the
// recipe's state, capture the pane, read the screen), and as a script sees it (one JSON line
// per change on a pipe); and `doctor` on a server that refuses TTL nodes and most four-letter
// words. The server here allows only `srvr` (its own readiness check) and `wchc` (to see the
// watch the CLI holds).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import { test } from 'node:test';
import { createClient, type ZkClient } from '@zk-recipes/core';
import { LeaderLatch } from '@zk-recipes/leader';
import { Mutex } from '@zk-recipes/lock';
import { FaultProxy, serverWatches, TestRoot, timing } from '@zk-recipes/testing';
import { cliBin, cliJson, runCli } from '../support/cli.js';
import { sharedServer } from '../support/shared-server.js';
import { hex, type InspectJson } from './cli-json.js';

const server = sharedServer({
  extraConfig: { '4lw.commands.whitelist': 'srvr,wchc', extendedTypesEnabled: false },
});

async function started(): Promise<ZkClient & AsyncDisposable> {
  const c = createClient({ connectString: server.connectString });
  await c.start();
  return c;
}

/** A line `watch` prints on a pipe. */
interface WatchLine {
  event: { type: string } | null;
  state: string;
  inspect: InspectJson | null;
}

/**
 * `zk-recipes <args>` (a watch) with its stdout on a pipe: the JSON lines it printed so far,
 * `stop()` (Ctrl-C) and its exit code.
 */
function watchOnPipe(args: string[]) {
  const child = spawn(process.execPath, [cliBin, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines: WatchLine[] = [];
  readline
    .createInterface({ input: child.stdout })
    .on('line', (l) => lines.push(JSON.parse(l) as WatchLine));
  return { lines, exited, stop: () => child.kill('SIGINT') };
}

/** A tmux server of our own (its own socket), killed with everything in it on dispose. */
class Terminal implements AsyncDisposable {
  private readonly socket = `zk-recipes-cli-${randomBytes(4).toString('hex')}`;

  constructor(command: string) {
    this.tmux('new-session', '-d', '-s', 'cli', '-x', '160', '-y', '40', command);
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** The screen as text. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'cli');
  }

  /** Waits until the screen matches `re` and returns it. */
  async shows(re: RegExp): Promise<string> {
    let last = '';
    try {
      return await timing.waitFor(() => (re.test((last = this.screen())) ? last : undefined), {
        timeoutMs: 15_000,
        intervalMs: 50,
      });
    } catch {
      throw new Error(`the terminal never showed ${re}; it shows:\n${last}`);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

test('watch in a terminal: the view is redrawn as holders come and go, Ctrl-C ends it with 0', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('lock');
  await using a = await started();
  await using b = await started();
  await using term = new Terminal(
    `${process.execPath} ${cliBin} watch ${path} --connect ${server.connectString}; echo "exit code $?"; sleep 60`,
  );
  await term.shows(/no node here \(yet\): waiting for it/);

  const first = await new Mutex(a, path).acquire();
  let screen = await term.shows(new RegExp(`holder .*session ${hex(a.session?.sessionId)}`));
  assert.match(screen, /waiters +none/);
  assert.match(
    screen,
    new RegExp(`-- watching ${path} \\(127\\.0\\.0\\.1:\\d+, CONNECTED\\); \\d+ change\\(s\\)`),
  );

  const stop = new AbortController();
  const second = new Mutex(b, path).acquire({ signal: stop.signal });
  screen = await term.shows(new RegExp(`waiter 1 .*session ${hex(b.session?.sessionId)}`));
  assert.match(
    screen,
    new RegExp(`holder .*session ${hex(a.session?.sessionId)} .*token ${first.fencingToken}`),
  );

  // The CLI's session holds a watch on the path on the server: changes come from it.
  const watched = [...(await serverWatches(server)).values()].flat();
  assert.ok(watched.includes(path), `a watch on ${path}: ${watched.join(', ')}`);

  await first.release();
  const lease = await second;
  screen = await term.shows(
    new RegExp(`holder .*session ${hex(b.session?.sessionId)} .*token ${lease.fencingToken}`),
  );
  assert.match(screen, /waiters +none/);
  await lease.release();

  term.tmux('send-keys', '-t', 'cli', 'C-c');
  await term.shows(/exit code 0$/m); // after the ^C the shell echoed
});

test('watch on a pipe: one JSON line per change, with the inspect shape', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('election');
  await using a = await started();
  await using b = await started();
  const { lines, stop, exited } = watchOnPipe(['watch', path, '--connect', server.connectString]);
  const leader = () =>
    lines.at(-1)?.inspect?.layouts.find((l) => l.kind === 'leader-latch')?.leader;
  try {
    await timing.waitFor(() => lines.length >= 1);
    assert.equal(lines[0]!.event, null, 'the first line is the state when the watch began');
    assert.equal(lines[0]!.inspect, null, 'no node yet');

    await using first = new LeaderLatch(a, path, { id: 'first' });
    await first.start();
    await timing.waitFor(() => leader()?.id === 'first');
    await using second = new LeaderLatch(b, path, { id: 'second' });
    await second.start();
    await timing.waitFor(() => lines.at(-1)?.inspect?.layouts[0]?.participants?.length === 2, {
      message: 'a line with both participants',
    });
    await first.close();
    await timing.waitFor(() => leader()?.id === 'second', {
      message: 'a line with the new leader',
    });
    assert.equal(leader()!.sessionId, hex(b.session?.sessionId));
    assert.ok(lines.slice(1).every((l) => l.event !== null && l.state === 'CONNECTED'));
  } finally {
    stop();
  }
  assert.equal(await exited, 0);
});

test('watch on a pipe: a cut connection gives one Resync line once it is back, with the view read again', async () => {
  await using root = await TestRoot.create(server);
  const path = root.child('held');
  await using proxy = await FaultProxy.start(server.connectString);
  await using a = await started();
  const { lines, stop, exited } = watchOnPipe(['-c', proxy.connectString, 'watch', path]);
  const resyncs = () => lines.filter((l) => l.event?.type === 'Resync');
  try {
    await timing.waitFor(() => lines.length >= 1);
    await using lease = await new Mutex(a, path).acquire();
    await timing.waitFor(() => lines.at(-1)?.inspect?.layouts[0]?.holder !== undefined, {
      message: 'a line with the holder',
    });
    proxy.closeAll(); // the CLI's connection drops; it reconnects at once, same session
    await timing.waitFor(() => resyncs().length >= 1, { message: 'a Resync line' });
    await timing.sleep(1000); // room for any further line a state passed through would print
    const [resync, ...more] = resyncs();
    assert.equal(
      more.length,
      0,
      `one Resync per reconnection, got states ${resyncs()
        .map((l) => l.state)
        .join(', ')}`,
    );
    assert.equal(resync!.state, 'RECONNECTED');
    assert.equal(
      resync!.inspect?.layouts[0]?.holder?.sessionId,
      hex(a.session?.sessionId),
      'the view was read again after the reconnection',
    );
    await lease.release();
  } finally {
    stop();
  }
  assert.equal(await exited, 0);
});

test('doctor on a server without TTL nodes and with four-letter words restricted says so', async () => {
  const d = await cliJson<{
    ttlNodes: boolean | null;
    fourLetterWords: Record<string, boolean | null>;
    server: { version: string | null };
  }>(['doctor', '--connect', server.connectString]);
  assert.equal(d.ttlNodes, false);
  assert.equal(d.fourLetterWords.srvr, true);
  assert.equal(d.fourLetterWords.ruok, false);
  assert.equal(d.fourLetterWords.mntr, false);
  assert.match(d.server.version ?? '', /^3\./);
  const human = await runCli(['doctor', '--connect', server.connectString]);
  assert.match(human.stdout, /^ttl nodes +disabled \(extendedTypesEnabled is off\)$/m);
  assert.match(
    human.stdout,
    /^four-letter +allowed: srvr; refused: stat ruok conf cons mntr envi wchs dirs isro$/m,
  );
});
