// The built `zk-recipes` command (packages/cli/dist/bin.js), run as a user runs it: a child
// process with arguments and an environment, its exit code and output collected.
import { execFile } from 'node:child_process';
import path from 'node:path';

/** The built command's entry file. */
export const cliBin = path.resolve(import.meta.dirname, '../../../packages/cli/dist/bin.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes (for `get --raw`). */
  bytes: Buffer;
}

/** Runs `zk-recipes <args>` (no ZK_CONNECT from this process unless `env` gives one). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const base = { ...process.env };
  delete base.ZK_CONNECT;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliBin, ...args],
      { env: { ...base, ...env }, encoding: 'buffer', timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({
          code,
          stdout: stdout.toString('utf8'),
          stderr: stderr.toString('utf8'),
          bytes: stdout,
        });
      },
    );
  });
}

/** Runs the command and parses its stdout as JSON (asserting exit code 0 first). */
export async function cliJson<T>(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<T> {
  const r = await runCli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`zk-recipes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Runs the command with several paths and parses each stdout line as JSON (exit code 0 first). */
export async function cliJsonLines<T>(
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<T[]> {
  const r = await runCli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`zk-recipes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
}
