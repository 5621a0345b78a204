// Lock workers in other processes for exclusion tests: TypeScript (support/lock-worker.ts) and
// Java on Apache Curator (test/java/CuratorLockWorker.java). Each reports entering and leaving
// its critical section and waits for an acknowledgement, so the test sees events in the order
// they happened across processes.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compiledJava } from './java.js';

const tsWorker = fileURLToPath(new URL('./lock-worker.js', import.meta.url));

/** `mutex`, `semaphore:<maxLeases>`, `read` or `write`. */
export type WorkerKind = string;

export interface WorkerEvents {
  enter(who: string, token: bigint): void;
  exit(who: string): void;
  /** How long the holder keeps the lock before its ack (default 0). */
  holdMs?: number;
  /** Awaited before a holder's ack of its entry (e.g. until every worker waits in line). */
  gate?: () => Promise<unknown>;
}

function ack(events: WorkerEvents, send: () => void, entered: boolean): void {
  const go = () => (events.holdMs ? setTimeout(send, events.holdMs) : send());
  if (entered && events.gate) events.gate().then(go, go);
  else go();
}

export function tsWorkerProcess(
  who: string,
  connectString: string,
  path: string,
  rounds: number,
  kind: WorkerKind,
  events: WorkerEvents,
): ChildProcess {
  const child = fork(tsWorker, [connectString, path, String(rounds), kind], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m: { type: string; token?: string }) => {
    if (m.type === 'enter') events.enter(who, BigInt(m.token ?? '0'));
    else events.exit(who);
    ack(events, () => child.send('ack'), m.type === 'enter');
  });
  return child;
}

export function javaWorkerProcess(
  who: string,
  connectString: string,
  path: string,
  rounds: number,
  kind: WorkerKind,
  events: WorkerEvents,
): ChildProcess {
  const classPath = compiledJava('CuratorLockWorker');
  const child = spawn(
    'java',
    ['-cp', classPath, 'CuratorLockWorker', connectString, path, String(rounds), kind],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const [word, token] = line.split(' ');
    if (word === 'enter') events.enter(who, BigInt(token ?? '0'));
    else if (word === 'exit') events.exit(who);
    else return;
    ack(events, () => child.stdin.write('ack\n'), word === 'enter');
  });
  return child;
}

/** Waits for every worker and returns their exit codes. */
export function exitCodes(workers: ChildProcess[]): Promise<number[]> {
  return Promise.all(workers.map(async (w) => (await once(w, 'exit'))[0] as number));
}
