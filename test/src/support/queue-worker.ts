// A queue consumer or producer in its own process, for the multi-process fault test
// (queue/queue-processes.test.ts). It reports to the parent over IPC, in batches:
//   consumer: session <id hex> <password base64> (each new session), got <item>,
//             acked <item> (the ack committed), ackfail <item> (refused: ClaimLostError),
//             error <code> <message>
//   producer: put <item>, putfail <item> <code>, then exits 0
// A consumer stops (closes its queue and client, exits 0) when the parent sends 'stop'.
import { createClient, stringSerializer } from '@zk-recipes/core';
import { ClaimLostError, DistributedQueue, type DeliveryMode } from '@zk-recipes/queue';

const [role, connectString, path, a, b, c] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
let batch: string[] = [];
let flushing: NodeJS.Timeout | undefined;
const report = (line: string) => {
  batch.push(line);
  flushing ??= setTimeout(() => {
    flushing = undefined;
    const out = batch;
    batch = [];
    process.send!(out);
  }, 20);
};
const flush = () =>
  new Promise<void>((resolve) => {
    if (flushing) clearTimeout(flushing);
    if (batch.length === 0) return resolve();
    flushing = undefined;
    process.send!(batch, () => resolve());
    batch = [];
  });

process.on('unhandledRejection', (e) => {
  console.error(`worker ${role} ${process.pid} unhandled:`, e);
  process.exit(3);
});
const client = createClient({ connectString, sessionTimeoutMs: 1500 });
const reportSession = () => {
  const { sessionId, password } = client.sessionCredentials();
  report(`session ${sessionId.toString(16)} ${password.toString('base64')}`);
};
// Every session, also each new one after a LOST (RECONNECTED on another id): a stall's message
// names the process that owns a lock node left behind.
let reported = 0n;
client.onStateChange(({ state, sessionId }) => {
  if ((state === 'CONNECTED' || state === 'RECONNECTED') && sessionId !== reported) {
    reported = sessionId;
    setImmediate(reportSession);
  }
});
await client.start();
const q = new DistributedQueue(client, path, {
  serializer: stringSerializer,
  delivery: (role === 'consume' ? a : 'at-least-once') as DeliveryMode,
});
q.on('error', (e) => report(`error ${(e as { code?: string }).code} ${(e as Error).message}`));
await q.start();

if (role === 'produce') {
  // a: the item prefix, b: how many, c: puts in flight
  const count = Number(b);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const item = `${a}-${next++}`;
      try {
        await q.put(item);
        report(`put ${item}`);
      } catch (e) {
        report(`putfail ${item} ${(e as { code?: string }).code}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Number(c) }, lane));
  await q.close();
  await client.close();
  await flush();
  process.exit(0);
} else {
  // a: delivery mode, b: concurrency, c: longest handler time (ms)
  const stop = new AbortController();
  process.on('message', (m) => m === 'stop' && stop.abort());
  const holdMs = Number(c);
  await q.consume(
    async (item, m) => {
      // Written to the parent before the handler goes on: a SIGKILL cannot hide a delivery.
      report(`got ${item}`);
      await flush();
      await new Promise((r) => setTimeout(r, Math.random() * holdMs));
      try {
        await m.ack();
        report(`acked ${item}`);
        await flush();
      } catch (e) {
        report(`${e instanceof ClaimLostError ? 'ackfail' : 'ackerror'} ${item}`);
      }
    },
    { concurrency: Number(b), signal: stop.signal },
  );
  await q.close();
  await client.close();
  await flush();
  process.exit(0);
}
