// Runs every compiled test file under node's test runner, then checks that no ZooKeeper JVM
// started by the suite outlived it. Usage: node scripts/run-tests.mjs [file filter substrings]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findTests(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

function zkJvms() {
  try {
    return new Set(
      execFileSync('pgrep', ['-f', 'org.apache.zookeeper.server'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean),
    );
  } catch {
    return new Set(); // pgrep exits 1 when nothing matches
  }
}

const filters = process.argv.slice(2);
const files = findTests(path.join(root, 'test', 'dist'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files found: run the build first');
  process.exit(1);
}

const before = zkJvms();
const began = Date.now();
const run = spawnSync(
  process.execPath,
  [
    '--test',
    // Two files at a time on two cores: a third gained 11 % and starved the timing-sensitive
    // interoperability tests of CPU (bench/RESULTS.md, "Suite time").
    `--test-concurrency=${process.env.ZK_TEST_CONCURRENCY ?? '2'}`,
    // A hung test fails instead of stalling the run (scaled like every other wait). Node applies
    // it to each file as a whole too: the longest files (the CLI's, the lock's chaos tests) take
    // 25 to 60 s on a loaded machine, so the bound is twice that.
    `--test-timeout=${Math.round(120_000 * Number(process.env.ZK_TEST_TIMING ?? '1'))}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', cwd: root },
);
console.log(`suite time: ${((Date.now() - began) / 1000).toFixed(1)} s`);

// Give killed JVMs a moment to be reaped before counting.
let leaked = [];
for (let i = 0; i < 20; i++) {
  leaked = [...zkJvms()].filter((p) => !before.has(p));
  if (leaked.length === 0) break;
  await new Promise((r) => setTimeout(r, 250));
}
if (leaked.length > 0) {
  console.error(`ZooKeeper JVMs left running by the suite: ${leaked.join(', ')}`);
  process.exit(1);
}
process.exit(run.status ?? 1);
