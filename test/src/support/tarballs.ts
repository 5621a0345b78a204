// Packs the packages as `pnpm -r pack` does and unpacks the tarballs into a fresh project's
// node_modules, offline: the packages' own dependencies are linked from this repository's
// store instead of being downloaded. Used by the packaging-*.test.ts files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repo = path.resolve(import.meta.dirname, '../../..');
export const names = [
  'core',
  'lock',
  'leader',
  'queue',
  'cache',
  'atomic',
  'barrier',
  'group',
  'discovery',
  'testing',
  'cli',
] as const;

export interface PackedJson {
  name: string;
  license?: string;
  repository?: unknown;
  homepage?: string;
  bugs?: unknown;
  keywords?: string[];
  sideEffects?: boolean;
  files?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface Unpacked {
  /** The project folder: node_modules/ holds the unpacked packages. */
  dir: string;
  installed(name: string): string;
  packed(name: string): PackedJson;
  remove(): void;
}

function link(target: string, at: string): void {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  if (!fs.existsSync(at)) fs.symlinkSync(fs.realpathSync(target), at);
}

export function packAndUnpack(): Unpacked {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-recipes-consumer-'));
  const installed = (name: string) => path.join(dir, 'node_modules', '@zk-recipes', name);
  const packed = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(installed(name), 'package.json'), 'utf8')) as PackedJson;
  const tarballs = path.join(dir, 'tarballs');
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
        path.join(dir, 'node_modules', dep),
      );
    }
  }
  link(
    path.join(repo, 'node_modules', '@types', 'node'),
    path.join(dir, 'node_modules', '@types', 'node'),
  );
  return { dir, installed, packed, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const consumer = `
import { createClient, exponentialBackoff, zodSerializer, type ClientOptions } from '@zk-recipes/core';
import { leaseDriver } from '@zk-recipes/core/recipe';
import { Mutex, withLock } from '@zk-recipes/lock';
import { LeaderLatch, runWhileLeader } from '@zk-recipes/leader';
import { DistributedQueue } from '@zk-recipes/queue';
import { ConfigCache, TreeCache } from '@zk-recipes/cache';
import { AtomicLong, SharedCount } from '@zk-recipes/atomic';
import { Barrier, DoubleBarrier } from '@zk-recipes/barrier';
import { PersistentNode } from '@zk-recipes/group';
import { ServiceDiscovery } from '@zk-recipes/discovery';
import { FaultProxy, TestingServer } from '@zk-recipes/testing';

const options: ClientOptions = { connectString: '127.0.0.1:2181', retryPolicy: exponentialBackoff() };
const client = createClient(options);
const latch = new LeaderLatch(client, '/leader');
const queue = new DistributedQueue(client, '/jobs', { serializer: zodSerializer<{ n: number }>({ safeParse: (v: unknown) => ({ success: true, data: v as { n: number } }) }) });
const json = zodSerializer<{ n: number }>({ safeParse: (v: unknown) => ({ success: true, data: v as { n: number } }) });
export const used = [latch, queue, json, leaseDriver(1), Mutex, withLock, runWhileLeader, FaultProxy, TestingServer];
export const recipes = [TreeCache, ConfigCache, AtomicLong, SharedCount, Barrier, DoubleBarrier, PersistentNode, ServiceDiscovery];
`;

/** Writes a consumer project in `<dir>/<name>` and returns what tsc said (empty: it compiled). */
export function compileConsumer(
  u: Unpacked,
  name: string,
  packageJson: object,
  compilerOptions: object,
): string {
  const project = path.join(u.dir, name);
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(packageJson));
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions }));
  fs.writeFileSync(path.join(project, 'index.ts'), consumer);
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    return '';
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}` || String(e);
  }
}
