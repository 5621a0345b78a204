// A child process for the multi-process counter tests: `increments` increments of one
// AtomicLong, through the connect string it is given (a FaultProxy of the parent's, which cuts
// connections and drops replies meanwhile). Reports how many it counted, then exits.
import { createClient } from '@zk-recipes/core';
import { AtomicLong } from '@zk-recipes/atomic';

const [connectString, path, increments] = process.argv.slice(2) as [string, string, string];
const client = createClient({ connectString, sessionTimeoutMs: 10_000 });
await client.start();
const counter = new AtomicLong(client, path);
let counted = 0;
for (let i = 0; i < Number(increments); i++) {
  await counter.increment();
  counted++;
}
await client.close();
process.send!({ type: 'done', counted });
process.exit(0);
