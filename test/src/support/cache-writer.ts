// Writer process of the cache soak test: `n` changes of every kind (set, create, delete with
// children) on a shared set of keys under `base`, each value naming its writer and step.
import { createClient, NodeExistsError, NoNodeError } from '@zk-recipes/core';

const [connectString, base, who, n, keys] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const client = createClient({ connectString, sessionTimeoutMs: 10_000 });
await client.start({ timeoutMs: 20_000 });
let seed = [...who].reduce((a, c) => a * 31 + c.charCodeAt(0), 7);
const random = (m: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % m;
};
for (let i = 0; i < Number(n); i++) {
  const key = `${base}/k${random(Number(keys))}`;
  const value = `${who}:${i}`;
  const dice = random(100);
  try {
    if (dice < 70) {
      await client.setData(key, value).catch(async (e: unknown) => {
        if (!(e instanceof NoNodeError)) throw e;
        await client.create(key, value);
      });
    } else if (dice < 85) {
      await client.create(`${key}/c${random(4)}`, value);
    } else {
      await client.delete(key, { deleteChildren: true });
    }
  } catch (e) {
    // Another writer got there first: a lost race, not a failure.
    if (!(e instanceof NoNodeError || e instanceof NodeExistsError)) throw e;
  }
}
await client.close();
