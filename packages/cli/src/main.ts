/**
 * The command line's entry point: parse, connect, run one command, say what went wrong. Help
 * and usage errors load nothing else (the commands and the client load only to run).
 */
import { createRequire } from 'node:module';
import { parse, UsageError, wantsVerbose, type Parsed } from './args.js';
import type { Io } from './io.js';

const EXIT_OK = 0;
const EXIT_USAGE = 2;

function version(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

/**
 * Runs `zk-recipes` with `argv` (the arguments after the program's name) and resolves with its
 * exit code: 0 done, 1 error, 2 wrong usage. Never rejects: an error is one line on stderr
 * (its stack too with --verbose).
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let parsed: Parsed | undefined;
  try {
    parsed = parse(argv);
    if (parsed.kind === 'help') {
      io.stdout.write(parsed.text);
      return EXIT_OK;
    }
    if (parsed.kind === 'version') {
      io.stdout.write(`${version()}\n`);
      return EXIT_OK;
    }
    const { run } = await import('./run.js');
    return await run(parsed, io);
  } catch (e) {
    const verbose = wantsVerbose(argv);
    if (e instanceof UsageError) {
      const help = e.command ? `zk-recipes ${e.command} --help` : 'zk-recipes --help';
      io.stderr.write(
        `${e.command ? `zk-recipes ${e.command}` : 'zk-recipes'}: ${e.message} (see ${help})\n`,
      );
      if (verbose) io.stderr.write(`${e.stack}\n`);
      return EXIT_USAGE;
    }
    const { describe, stackOf } = await import('./failures.js');
    const command = parsed?.kind === 'run' ? parsed.command : undefined;
    const path = parsed?.kind === 'run' ? parsed.paths[0] : undefined;
    const { line, code } = describe(e, command, path);
    io.stderr.write(`${line}\n`);
    if (verbose) io.stderr.write(`${stackOf(e)}\n`);
    return code;
  }
}
