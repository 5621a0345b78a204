// Child process of the "close leaves no timer" cache test: starts every kind of cache, loads,
// closes them and the client, and must then exit by itself (no timer or socket left).
import { ConfigCache, NodeCache, TreeCache, ChildrenCache } from '@zk-recipes/cache';
import { createClient } from '@zk-recipes/core';

const [connectString, base] = [process.argv[2]!, process.argv[3]!];
const client = createClient({ connectString, sessionTimeoutMs: 4000 });
await client.start();
const schema = { safeParse: (d: unknown) => ({ success: true as const, data: d }) };
const caches = [
  new TreeCache(client, base),
  new NodeCache(client, base),
  new ChildrenCache(client, base),
  new TreeCache(client, base, { maxDepth: 1 }),
  new ConfigCache(client, `${base}/config`, { schema }),
];
for (const c of caches) await c.start();
for (const c of caches) await c.ready({ timeoutMs: 10_000 });
for (const c of caches) await c.close();
await client.close();
process.stdout.write('closed\n');
