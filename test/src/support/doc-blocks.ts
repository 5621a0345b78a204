// The TypeScript blocks of README.md, the packages' READMEs and docs/, written out as files of
// a small project that compiles against the built packages (docs.test.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const repo = path.resolve(import.meta.dirname, '../../..');

export interface DocBlock {
  /** The page, relative to the repository. */
  page: string;
  /** Line of the page where the block's code starts (1-based). */
  line: number;
  code: string;
}

function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : markdownFiles(p);
    return e.name.endsWith('.md') ? [p] : [];
  });
}

/** Every page a user reads: the READMEs and docs/. */
export function docPages(): string[] {
  const readmes = ['README.md', ...fs.readdirSync(path.join(repo, 'packages'))]
    .map((p) => (p === 'README.md' ? p : path.join('packages', p, 'README.md')))
    .filter((p) => fs.existsSync(path.join(repo, p)));
  const docs = markdownFiles(path.join(repo, 'docs')).map((p) => path.relative(repo, p));
  return [...readmes, ...docs].sort();
}

export function tsBlocks(page: string): DocBlock[] {
  const lines = fs.readFileSync(path.join(repo, page), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    const code = lines
      .slice(start, end)
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    blocks.push({ page, line: start + 1, code });
    i = end;
  }
  return blocks;
}

/**
 * Names the pages use without defining them: the client of an earlier block, and the
 * application's own functions and values. Everything else a block uses it must import.
 */
export const PLACEHOLDERS = `
import type { ZkClient } from '@zk-recipes/core';
declare global {
  const client: ZkClient;
  const admin: ZkClient;
  const connectString: string;
  const payload: Buffer;
  const jobs: readonly unknown[];
  const next: unknown;
  const db: { query(sql: string, params: unknown[]): Promise<{ rowCount: number }> };
  const server: { readonly connectString: string };
  const signal: AbortSignal;
  const a: unknown;
  const b: unknown;
  const histogram: { observe(labels: object, seconds: number): void };
  const retries: { inc(): void };
  const alerts: { warn(message: string): void };
  const router: { setPrimary(id: string | undefined): void };
  type Entry = unknown;
  function reread(): void;
  function writeReport(o: object): Promise<void>;
  function buildReport(o: object): Promise<void>;
  function chargeCustomers(lease: unknown): Promise<void>;
  function apply(job: unknown, fencingToken: bigint): Promise<void>;
  function append(entry: unknown, fencingToken: bigint): Promise<void>;
  function runExport(o: { signal: AbortSignal }): Promise<void>;
  function loadCatalog(): Promise<unknown>;
  function render(catalog: unknown): void;
  function saveCatalog(catalog: unknown): Promise<void>;
  function transfer(tokens: bigint[]): Promise<void>;
  function finishBatch(): Promise<void>;
  function sendBatch(o: { epoch: bigint; signal: AbortSignal }): Promise<void>;
  function startScheduler(o: { epoch: bigint; signal: AbortSignal }): void;
  function compactOnePartition(o: { epoch: bigint; signal: AbortSignal }): Promise<void>;
}
export {};
`;

/** A logging library the docs show, not installed here: typed as what createClient takes. */
const MODULES = `
declare module 'pino' {
  import type { Logger } from '@zk-recipes/core';
  export default function pino(o?: object): Logger & { child(bindings: object): Logger };
}
`;

/** How a block compiles: as the packages do (tsconfig.base.json), for an ES module on Node 20. */
const COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023', 'ESNext.Disposable'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  types: ['node'],
  strict: true,
  skipLibCheck: true,
};

/** Writes every block as `<dir>/<page>-L<line>.ts` (an ES module) plus the placeholders. */
export function writeProject(dir: string, blocks: readonly DocBlock[]): Map<string, DocBlock> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  fs.writeFileSync(path.join(dir, 'placeholders.d.ts'), PLACEHOLDERS);
  fs.writeFileSync(path.join(dir, 'modules.d.ts'), MODULES);
  const byFile = new Map<string, DocBlock>();
  for (const b of blocks) {
    const file = `${b.page.replace(/[/.]/g, '_')}-L${b.line}.ts`;
    // `export {}` after the code keeps line numbers and makes a block without imports a module.
    fs.writeFileSync(path.join(dir, file), `${b.code}\nexport {};\n`);
    byFile.set(file, b);
  }
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        ...COMPILER_OPTIONS,
        noEmit: true,
        // docs/testing.md shows a test file's imports of the suite's helpers (../support/).
        // The project is <x>/blocks, merged with test/src: <x>/support is test/src/support.
        rootDirs: ['..', path.join(repo, 'test/src')],
      },
      include: ['*.ts'],
    }),
  );
  return byFile;
}

/** Runs tsc on the project; returns its errors with each file's name replaced by page:line. */
export function compile(dir: string, byFile: Map<string, DocBlock>): string[] {
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^([^()]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(l);
      const block = m && byFile.get(path.basename(m[1]!));
      return block && m ? `${block.page}:${block.line + Number(m[2]) - 1}: ${m[4]}` : l;
    });
}

/**
 * Compiles one block to JavaScript (Node 20 parses neither types nor `await using`) with the
 * placeholders as globals the caller sets; returns the module's path.
 */
export function emitBlock(dir: string, block: DocBlock): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  fs.writeFileSync(path.join(dir, 'placeholders.d.ts'), PLACEHOLDERS);
  fs.writeFileSync(path.join(dir, 'block.ts'), `${block.code}\nexport {};\n`);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: COMPILER_OPTIONS,
      files: ['block.ts', 'placeholders.d.ts'],
    }),
  );
  const errors = compile(dir, new Map([['block.ts', block]]));
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return path.join(dir, 'block.js');
}
