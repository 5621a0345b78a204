// Our peer of bench/queue-vs-peers.mjs: @zk-recipes/queue's DistributedQueue, one measure per
// run, the same arguments and JSON line as bench/java/CuratorQueueBench.java (see there):
//   node bench/queue-node-worker.mjs <connect> put <path> <producers> <count>
//   node bench/queue-node-worker.mjs <connect> drain <path> <delivery> <consumers> <count>
//   node bench/queue-node-worker.mjs <connect> latency <path> <samples>
// put: <producers> loops on one client, each awaiting its put. drain: <consumers> clients, each
// with its own queue (as separate processes would be), consume() with concurrency 1.
import { createClient, stringSerializer } from '@zk-recipes/core';
import { DistributedQueue } from '@zk-recipes/queue';

const [connect, measure, path, a, b, c] = process.argv.slice(2);
const client = async () => {
  const cl = createClient({ connectString: connect, sessionTimeoutMs: 30000 });
  await cl.start();
  return cl;
};
const now = () => process.hrtime.bigint();
const us = (t0) => Number((now() - t0) / 1000n);

if (measure === 'put') {
  const cl = await client();
  const q = new DistributedQueue(cl, path, { serializer: stringSerializer });
  await q.start();
  let next = 0;
  const count = Number(b);
  const t0 = now();
  await Promise.all(
    Array.from({ length: Number(a) }, async () => {
      for (let n; (n = next++) < count;) await q.put(`item-${n}`);
    }),
  );
  console.log(JSON.stringify({ us: us(t0) }));
  await q.close();
  await cl.close();
} else if (measure === 'drain') {
  const count = Number(c);
  const clients = [];
  for (let i = 0; i < Number(b); i++) clients.push(await client());
  const queues = clients.map(
    (cl) => new DistributedQueue(cl, path, { serializer: stringSerializer, delivery: a }),
  );
  let left = count;
  const stop = new globalThis.AbortController();
  const t0 = now();
  for (const q of queues) await q.start();
  await Promise.all(
    queues.map((q) =>
      q.consume(
        () => {
          if (--left === 0) stop.abort();
        },
        { signal: stop.signal },
      ),
    ),
  );
  console.log(JSON.stringify({ us: us(t0) }));
  for (const q of queues) await q.close();
  for (const cl of clients) await cl.close();
} else {
  const samples = Number(a);
  const cc = await client();
  const pc = await client();
  const consumer = new DistributedQueue(cc, path, { serializer: stringSerializer });
  const producer = new DistributedQueue(pc, path, { serializer: stringSerializer });
  await consumer.start();
  await producer.start();
  let arrived;
  const stop = new globalThis.AbortController();
  const run = consumer.consume(() => arrived?.(now()), { signal: stop.signal });
  const lat = [];
  for (let i = 0; i < samples; i++) {
    await new Promise((r) => setTimeout(r, 5));
    const got = new Promise((r) => (arrived = r));
    const t0 = now();
    await producer.put('x');
    lat.push(Number(((await got) - t0) / 1000n));
  }
  stop.abort();
  await run;
  lat.sort((x, y) => x - y);
  console.log(JSON.stringify({ latUs: lat }));
  await consumer.close();
  await producer.close();
  await cc.close();
  await pc.close();
}
process.exit(0);
