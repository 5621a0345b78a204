// A child process for the mutual-exclusion test: acquires the lock `rounds` times and reports
// each entry and exit to the parent, waiting for its acknowledgement before going on, so the
// parent sees the events in the order they happened.
import { createClient } from '@zk-recipes/core';
import { Mutex, ReadWriteLock, Semaphore } from '@zk-recipes/lock';

// kind: `mutex`, `semaphore:<maxLeases>`, `read` or `write`.
const [connectString, path, roundsText, kind = 'mutex'] = process.argv.slice(2) as [
  string,
  string,
  string,
  string?,
];
const send = (m: object) =>
  new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send!(m);
  });

const client = createClient({ connectString, sessionTimeoutMs: 10_000 });
await client.start();
const mutex = kind.startsWith('semaphore:')
  ? new Semaphore(client, path, { maxLeases: Number(kind.split(':')[1]) })
  : kind === 'read'
    ? new ReadWriteLock(client, path).readLock()
    : kind === 'write'
      ? new ReadWriteLock(client, path).writeLock()
      : new Mutex(client, path);
for (let i = 0; i < Number(roundsText); i++) {
  const lease = await mutex.acquire();
  await send({ type: 'enter', token: lease.fencingToken.toString(), pid: process.pid });
  await send({ type: 'exit', pid: process.pid });
  await lease.release();
}
await client.close();
process.exit(0);
