// How long `import('@zk-recipes/core')` takes in a fresh process: the median over cold runs
// (a new node each time, cases interleaved), measured inside the child so that node's own
// start-up is left out. Also the first createClient() (it checks its options, which loads zod
// now) and zod alone. Usage: node bench/import-time.mjs [runs=21] [--compare <dir>], where <dir>
// is another build of packages/core (e.g. an older commit's, built with its node_modules
// linked), measured in the same rounds.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const compareAt = args.indexOf('--compare');
const compare = compareAt >= 0 ? path.resolve(args.splice(compareAt, 2)[1]) : undefined;
const runs = Number(args[0] ?? 21);
const require = createRequire(import.meta.url);
const core = require.resolve('@zk-recipes/core');
const zodDir = path.dirname(createRequire(core).resolve('zod/package.json'));
const zodEsm = pathToFileURL(path.join(zodDir, 'index.js')).href;

const timed = (body) =>
  `const t = performance.now(); ${body}; process.stdout.write(String(performance.now() - t));`;
const cases = {
  'import @zk-recipes/core': timed(`await import('@zk-recipes/core')`),
  'import, then the first createClient()': timed(
    `const { createClient } = await import('@zk-recipes/core'); createClient({ connectString: '127.0.0.1:2181' })`,
  ),
  'import zod alone': timed(`await import(${JSON.stringify(zodEsm)})`),
};
if (compare) {
  const other = JSON.stringify(pathToFileURL(path.join(compare, 'dist', 'index.js')).href);
  cases[`import ${path.basename(compare)}`] = timed(`await import(${other})`);
  cases[`import ${path.basename(compare)}, then createClient()`] = timed(
    `const { createClient } = await import(${other}); createClient({ connectString: '127.0.0.1:2181' })`,
  );
}

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, code] of Object.entries(cases)) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    samples[name].push(Number(out));
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
console.log(`node ${process.version}, ${runs} cold runs each`);
for (const [name, xs] of Object.entries(samples)) {
  console.log(
    `${name.padEnd(48)} median ${median(xs).toFixed(1).padStart(6)} ms   min ${Math.min(...xs)
      .toFixed(1)
      .padStart(6)} ms`,
  );
}
