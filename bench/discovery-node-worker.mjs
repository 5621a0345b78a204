// Our side of bench/discovery-vs-curator.mjs: @zk-recipes/discovery in one process, on its own
// client, with the same line protocol as bench/java/CuratorDiscoveryBench.java (see there).
// args: connect string, base path.
import readline from 'node:readline';
import { createClient } from '@zk-recipes/core';
import { serviceInstance, ServiceDiscovery } from '@zk-recipes/discovery';

const [connectString, basePath] = process.argv.slice(2);
const say = (line) => process.stdout.write(`${line}\n`);
const client = createClient({ connectString, sessionTimeoutMs: 30000 });
await client.start();
const discovery = new ServiceDiscovery(client, { basePath });
await discovery.start();
say('ready');

const commands = {
  async register(name, id) {
    await discovery.register(serviceInstance({ name, id, address: '127.0.0.1', port: 8080 }));
    say('registered');
  },
  async observe(name) {
    const cache = await discovery.serviceCache(name);
    cache.on('changed', ({ added }) => {
      for (const i of added) say(`seen ${i.id}`);
    });
    say('observing');
  },
  async rate(name, ms) {
    const provider = await discovery.serviceProvider(name);
    let sink = 0;
    for (let i = 0; i < 2_000_000; i++) sink += provider.getInstance().port;
    let calls = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(ms) * 1_000_000n;
    let now;
    do {
      for (let i = 0; i < 10_000; i++) sink += provider.getInstance().port;
      calls += 10_000;
      now = process.hrtime.bigint();
    } while (now < end);
    await provider.close();
    say(`rate ${Math.round((calls * 1e9) / Number(now - t0))} ${sink === 42 ? '!' : ''}`);
  },
  async start(name, n) {
    const out = ['start'];
    for (let k = Number(n); k > 0; k--) {
      const t0 = process.hrtime.bigint();
      const cache = await discovery.serviceCache(name);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (cache.instances().length === 0) throw new Error('empty cache');
      await cache.close();
      out.push(String(ms));
    }
    say(out.join(' '));
  },
  async quit() {
    await discovery.close();
    await client.close();
    process.exit(0);
  },
};

// One command at a time, in order.
let chain = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...args] = line.split(' ');
  chain = chain.then(() => commands[cmd](...args)).catch((e) => say(`error ${e}`));
});
