// What a registry user gets: the packages packed as `pnpm -r pack` packs them and unpacked into
// a fresh project (support/tarballs.ts); the consumers that compile against them are in
// packaging-cjs.test.ts and packaging-esm.test.ts.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { names, packAndUnpack, type Unpacked } from './support/tarballs.js';

let u: Unpacked;
before(() => {
  u = packAndUnpack();
});
after(() => u?.remove());

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

test('each packed package has a README, the license text and the metadata a registry shows', () => {
  for (const name of names) {
    const dir = u.installed(name);
    const p = u.packed(name);
    assert.equal(p.license, 'Apache-2.0');
    assert.match(
      fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8'),
      /Apache License\s+Version 2\.0/,
    );
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    assert.match(
      readme,
      new RegExp(`npm install (--save-dev )?@zk-recipes/${name}`),
      `${name}: install line`,
    );
    assert.match(readme, /```ts/, `${name}: an example`);
    for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'files'] as const) {
      assert.ok(p[field], `${name}: package.json has ${field}`);
    }
    assert.equal(p.sideEffects, false);
  }
  assert.match(u.packed('lock').peerDependencies?.['@zk-recipes/core'] ?? '', /^\^0\./);
});

test('every source map leads to a shipped source file', () => {
  for (const name of names) {
    const maps = filesUnder(path.join(u.installed(name), 'dist')).filter((f) => f.endsWith('.map'));
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
    const p = u.packed(name);
    const declared = new Set([
      p.name,
      ...Object.keys(p.dependencies ?? {}),
      ...Object.keys(p.peerDependencies ?? {}),
    ]);
    for (const file of filesUnder(path.join(u.installed(name), 'dist'))) {
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

test('the installed packages load with require() and import', () => {
  const script = `
    const core = require('@zk-recipes/core');
    if (typeof core.createClient !== 'function') throw new Error('require');
    import('@zk-recipes/leader').then((m) => {
      if (typeof m.LeaderLatch !== 'function') throw new Error('import');
      core.createClient({ connectString: '127.0.0.1:1' }); // loads zod: options are checked
    });`;
  execFileSync(process.execPath, ['-e', script], { cwd: u.dir });
});

test('the installed CLI runs as `npx zk-recipes`: help, and a clear error without a server', () => {
  // npm links each package's bins into node_modules/.bin on install; the unpacked tarballs
  // get the same links here, made from the packed package.json.
  const bin = path.join(u.dir, 'node_modules', '.bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const [name, file] of Object.entries(u.packed('cli').bin ?? {})) {
    const target = path.join(u.installed('cli'), file);
    fs.chmodSync(target, 0o755);
    if (!fs.existsSync(path.join(bin, name))) fs.symlinkSync(target, path.join(bin, name));
  }
  const npx = (args: string[]) =>
    spawnSync('npx', ['--no-install', 'zk-recipes', ...args], {
      cwd: u.dir,
      encoding: 'utf8',
      // As a user's shell has it: without the npm_config_* settings of the pnpm script that
      // runs the suite (npx warns about those it does not know, on stderr).
      env: {
        ...Object.fromEntries(
          Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')),
        ),
        ZK_CONNECT: '',
      },
    });
  const help = npx(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: zk-recipes \[connection options\] <command>/m);
  const refused = npx(['ls', '/', '--connect', '127.0.0.1:1', '--timeout', '500']);
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /^zk-recipes ls: cannot connect: no ZooKeeper server at 127\.0\.0\.1:1/,
  );
});
