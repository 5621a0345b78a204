// Curator peers for the shared-state interop tests (test/java/CuratorSharedWorker.java): one
// Java process per peer, read line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { compiledJava } from './java.js';

export interface CuratorPeer extends AsyncDisposable {
  readonly child: ChildProcess;
  /** The next line the peer prints (lines are queued until asked for). */
  line(): Promise<string>;
  /** Writes a line to the peer's stdin. */
  send(line: string): void;
  /** Resolves with the exit code. */
  exited(): Promise<number>;
}

/** Starts `CuratorSharedWorker <mode> <connectString> <path> ...args`. */
export function curatorPeer(
  mode: string,
  connectString: string,
  path: string,
  ...args: string[]
): CuratorPeer {
  const classPath = compiledJava('CuratorSharedWorker');
  const child = spawn(
    'java',
    ['-cp', classPath, 'CuratorSharedWorker', mode, connectString, path, ...args],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const queued: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  const exit = once(child, 'exit').then(([code]) => code as number);
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else queued.push(l);
  });
  return {
    child,
    line: () =>
      queued.length > 0
        ? Promise.resolve(queued.shift()!)
        : Promise.race([
            new Promise<string>((r) => waiting.push(r)),
            exit.then((code) =>
              Promise.reject(new Error(`Curator peer ${mode} exited with ${code}`)),
            ),
          ]),
    send: (l) => child.stdin.write(`${l}\n`),
    exited: () => exit,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}
