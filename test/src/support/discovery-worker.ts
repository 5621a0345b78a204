// A child process running a ServiceDiscovery for the discovery fault and ensemble tests
// (driven by support/discovery-workers.ts): it registers what it is told and keeps a
// ServiceCache per service it is told to watch, answering over IPC.
//   in:  { op: 'register', instances: ServiceInstanceInit[] } -> { op: 'registered' }
//        { op: 'watch', names: string[] }                      -> { op: 'watching' }
//        { op: 'snapshot' }  -> { op: 'snapshot', caches: { [name]: ids sorted } }
//        { op: 'close' }     -> { op: 'closed' }, then exits
import { createClient } from '@zk-recipes/core';
import {
  serviceInstance,
  ServiceDiscovery,
  type ServiceCache,
  type ServiceInstanceInit,
} from '@zk-recipes/discovery';

const [connectString, basePath, sessionTimeoutMs] = process.argv.slice(2) as [
  string,
  string,
  string,
];
type Message =
  | { op: 'register'; instances: ServiceInstanceInit<unknown>[] }
  | { op: 'watch'; names: string[] }
  | { op: 'snapshot' }
  | { op: 'close' };

const client = createClient({ connectString, sessionTimeoutMs: Number(sessionTimeoutMs) });
await client.start();
const discovery = new ServiceDiscovery(client, { basePath });
await discovery.start();
const caches = new Map<string, ServiceCache>();

process.on('message', (m: Message) => {
  void (async () => {
    if (m.op === 'register') {
      await Promise.all(m.instances.map((i) => discovery.register(serviceInstance(i))));
      process.send!({ op: 'registered', sessionId: client.session?.sessionId.toString() });
    } else if (m.op === 'watch') {
      for (const name of m.names) caches.set(name, await discovery.serviceCache(name));
      process.send!({ op: 'watching' });
    } else if (m.op === 'snapshot') {
      const out: Record<string, string[]> = {};
      for (const [name, cache] of caches)
        out[name] = cache
          .instances()
          .map((i) => i.id)
          .sort();
      process.send!({ op: 'snapshot', caches: out });
    } else {
      await Promise.all([...caches.values()].map((c) => c.close()));
      await discovery.close();
      await client.close();
      process.send!({ op: 'closed' });
      process.exit(0);
    }
  })().catch((e: unknown) => {
    process.send!({ op: 'error', error: String(e) });
  });
});
process.send!({ op: 'ready' });
