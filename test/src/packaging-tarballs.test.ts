// What a registry user gets: the packages packed as `pnpm -r pack` packs them, unpacked into a
// fresh project's node_modules, compiled against by a CommonJS and an ES module consumer with
// skipLibCheck off, and loaded by plain node. Offline: the packages' own dependencies are
// linked from this repository's store instead of being downloaded.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

const repo = path.resolve(import.meta.dirname, '../..');
const names = ['core', 'lock', 'leader', 'testing'] as const;
let tmp: string;

interface PackedJson {
  name: string;
  license?: string;
  repository?: unknown;
  homepage?: string;
  bugs?: unknown;
  keywords?: string[];
  sideEffects?: boolean;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const installed = (name: string) => path.join(tmp, 'node_modules', '@zk-recipes', name);
const packed = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(installed(name), 'package.json'), 'utf8')) as PackedJson;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

function link(target: string, at: string): void {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  if (!fs.existsSync(at)) fs.symlinkSync(fs.realpathSync(target), at);
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-recipes-consumer-'));
  const tarballs = path.join(tmp, 'tarballs');
  execFileSync('corepack', ['pnpm', '-r', 'pack', '--pack-destination', tarballs], {
    cwd: repo,
    env: { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' },
    stdio: 'ignore',
  });
  for (const name of names) {
    const [tgz] = fs.readdirSync(tarballs).filter((f) => f.startsWith(`zk-recipes-${name}-`));
    assert.ok(tgz, `${name} was packed`);
    fs.mkdirSync(installed(name), { recursive: true });
    execFileSync('tar', ['xzf', path.join(tarballs, tgz), '--strip-components=1'], {
      cwd: installed(name),
    });
    for (const dep of Object.keys(packed(name).dependencies ?? {})) {
      link(
        path.join(repo, 'packages', name, 'node_modules', dep),
        path.join(tmp, 'node_modules', dep),
      );
    }
  }
  link(
    path.join(repo, 'node_modules', '@types', 'node'),
    path.join(tmp, 'node_modules', '@types', 'node'),
  );
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('each packed package has a README, the license text and the metadata a registry shows', () => {
  for (const name of names) {
    const dir = installed(name);
    const p = packed(name);
    assert.equal(p.license, 'Apache-2.0');
    assert.match(
      fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8'),
      /Apache License\s+Version 2\.0/,
    );
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    assert.match(readme, new RegExp(`npm install @zk-recipes/${name}`), `${name}: install line`);
    assert.match(readme, /```ts/, `${name}: an example`);
    for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'files'] as const) {
      assert.ok(p[field], `${name}: package.json has ${field}`);
    }
    assert.equal(p.sideEffects, false);
  }
  assert.match(packed('lock').peerDependencies?.['@zk-recipes/core'] ?? '', /^\^0\./);
});

test('every source map leads to a shipped source file', () => {
  for (const name of names) {
    const maps = filesUnder(path.join(installed(name), 'dist')).filter((f) => f.endsWith('.map'));
    assert.ok(maps.length > 3);
    for (const map of maps) {
      const { sources } = JSON.parse(fs.readFileSync(map, 'utf8')) as { sources: string[] };
      for (const s of sources) {
        assert.ok(fs.existsSync(path.resolve(path.dirname(map), s)), `${map} -> ${s}`);
      }
    }
  }
});

test('every package a shipped file imports is declared (node: builtins and itself aside)', () => {
  for (const name of names) {
    const p = packed(name);
    const declared = new Set([
      p.name,
      ...Object.keys(p.dependencies ?? {}),
      ...Object.keys(p.peerDependencies ?? {}),
    ]);
    for (const file of filesUnder(path.join(installed(name), 'dist'))) {
      if (!/\.(js|d\.ts)$/.test(file)) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(
        /(?:from|import|require\()\s*['"]([^'"./][^'"]*)['"]/g,
      )) {
        if (spec!.startsWith('node:')) continue;
        const pkg = spec!.startsWith('@')
          ? spec!.split('/').slice(0, 2).join('/')
          : spec!.split('/')[0]!;
        assert.ok(declared.has(pkg), `${file} imports ${spec}, which ${p.name} does not declare`);
      }
    }
  }
});

const consumer = `
import { createClient, exponentialBackoff, zodSerializer, type ClientOptions } from '@zk-recipes/core';
import { leaseDriver, type Lifecycle } from '@zk-recipes/core/recipe';
import { Mutex, withLock } from '@zk-recipes/lock';
import { LeaderLatch, runWhileLeader } from '@zk-recipes/leader';
import { FaultProxy, TestingServer } from '@zk-recipes/testing';

const options: ClientOptions = { connectString: '127.0.0.1:2181', retryPolicy: exponentialBackoff() };
const client = createClient(options);
const latch: Lifecycle = new LeaderLatch(client, '/leader');
const json = zodSerializer<{ n: number }>({ safeParse: (v: unknown) => ({ success: true, data: v as { n: number } }) });
export const used = [latch, json, leaseDriver(1), Mutex, withLock, runWhileLeader, FaultProxy, TestingServer];
`;

function compiles(dir: string, packageJson: object, compilerOptions: object): void {
  const project = path.join(tmp, dir);
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(packageJson));
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions }));
  fs.writeFileSync(path.join(project, 'index.ts'), consumer);
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  assert.equal(`${r.stdout}${r.stderr}`, '', `tsc in ${dir}`);
  assert.equal(r.status, 0);
}

test('a CommonJS consumer without esModuleInterop typechecks against the tarballs (skipLibCheck off)', () => {
  // What TypeScript 5 does by default for "module": "commonjs" (6.0 deprecates two of these).
  compiles(
    'cjs',
    { name: 'cjs-consumer', private: true },
    {
      module: 'commonjs',
      moduleResolution: 'node10',
      esModuleInterop: false,
      allowSyntheticDefaultImports: false,
      ignoreDeprecations: '6.0',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
  );
});

test('a NodeNext ES module consumer typechecks against the tarballs (skipLibCheck off)', () => {
  compiles(
    'esm',
    { name: 'esm-consumer', private: true, type: 'module' },
    {
      module: 'nodenext',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
  );
});

test('the installed packages load with require() and import', () => {
  const script = `
    const core = require('@zk-recipes/core');
    if (typeof core.createClient !== 'function') throw new Error('require');
    import('@zk-recipes/leader').then((m) => {
      if (typeof m.LeaderLatch !== 'function') throw new Error('import');
      core.createClient({ connectString: '127.0.0.1:1' }); // loads zod: options are checked
    });`;
  execFileSync(process.execPath, ['-e', script], { cwd: path.join(tmp, 'cjs') });
});
