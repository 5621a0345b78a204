// Our TreeCache for bench/cache-vs-curator.mjs: the protocol of bench/java/CuratorCacheBench.java.
// Run with --expose-gc so the heap held by the cache is measured after a collection.
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { TreeCache } from '@zk-recipes/cache';
import { createClient } from '@zk-recipes/core';

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const usedHeap = () => {
  for (let i = 0; i < 3; i++) globalThis.gc?.();
  const m = process.memoryUsage();
  // Buffers' bytes live outside the JS heap; Java's byte arrays are in its heap: both counted.
  return m.heapUsed + m.arrayBuffers;
};
const client = createClient({ connectString: process.argv[2], sessionTimeoutMs: 10_000 });
await client.start({ timeoutMs: 20_000 });
let cache;
let watched;
let latencies = [];
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'load') {
    const before = usedHeap();
    const t0 = performance.now();
    cache = new TreeCache(client, arg);
    cache.on('event', (e) => {
      if (e.type === 'updated' && e.path === watched) latencies.push(nowUs() - Number(e.node.data));
    });
    await cache.start();
    await cache.ready();
    const ms = Math.round(performance.now() - t0);
    console.log(`loaded ${ms} ${usedHeap() - before}`);
  } else if (cmd === 'watch') {
    watched = arg;
    console.log('watching');
  } else if (cmd === 'stats') {
    console.log(`lat ${latencies.join(',')}`);
    latencies = [];
  } else if (cmd === 'close') {
    await cache?.close();
    await client.close();
    console.log('closed');
    process.exit(0);
  }
}
