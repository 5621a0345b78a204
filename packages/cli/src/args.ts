/**
 * The command line: `zk-recipes [global options] <command> [options] [path]`, parsed by Node's
 * own `util.parseArgs` (no dependency). Each command takes the global options and its own, and
 * the global ones may also come before the command (`zk-recipes -c host:2181 inspect /x`, as
 * zkCli.sh and most CLIs take them); a mistake is a UsageError (exit code 2) naming it in one
 * line.
 */
import { parseArgs } from 'node:util';

/** A mistake on the command line: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: false };

const GLOBAL: Record<string, OptionSpec> = {
  connect: { type: 'string', short: 'c' },
  namespace: { type: 'string', short: 'n' },
  digest: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
};

const GLOBAL_HELP = `Connection and output options (every command):
  -c, --connect <hosts>    host:port[,host:port...][/chroot]; default $ZK_CONNECT, else 127.0.0.1:2181
  -n, --namespace <ns>     paths are under /<ns> (as a client with that namespace sees them)
      --digest <user:pw>   authenticate with the digest scheme (for nodes with digest ACLs)
      --timeout <ms>       how long to wait for a server to answer (default 5000)
      --json               print JSON (docs/cli.md describes each command's shape)
  -v, --verbose            print the stack trace of an error
  -h, --help               this help

Exit codes: 0 done, 1 error (no such node, no server, no permission), 2 wrong usage.`;

const INSPECT_OPTIONS: Record<string, OptionSpec> = {
  'max-leases': { type: 'string' },
  'lock-path': { type: 'string' },
  as: { type: 'string' },
};

const INSPECT_OPTIONS_HELP = `      --max-leases <n>     a semaphore's maximum (not stored in ZooKeeper)
      --lock-path <path>   a queue's lock path, to show the items in flight and who holds them
      --as <kind>          show only this layout (mutex, leader-selector, ...) when several fit`;

interface CommandSpec {
  summary: string;
  usage: string;
  /** `paths`: one or more; `path`: exactly one; `none`: no path. */
  positional: 'paths' | 'path' | 'none';
  options: Record<string, OptionSpec>;
  help: string;
}

export const COMMANDS: Record<string, CommandSpec> = {
  inspect: {
    summary: 'what lives at a path: lock holders and waiters, leaders, queues, services, ...',
    usage: 'zk-recipes inspect <path>... [options]',
    positional: 'paths',
    options: INSPECT_OPTIONS,
    help: `Recognises the recipe at <path> from its nodes (ours and Apache Curator's are the same):
a mutex, read-write lock, semaphore, leader latch or selector, queue, services, counter, config.
Each holder, waiter and participant comes with its session id, node age and fencing token or
epoch. When two layouts fit the same nodes both are shown and the output says so. Anything else
is listed as children with their stats. Several paths are shown one after another (with --json,
one JSON line each).

${INSPECT_OPTIONS_HELP}`,
  },
  ls: {
    summary: 'list the children of a path, with -R the whole subtree',
    usage: 'zk-recipes ls [-R] <path> [options]',
    positional: 'path',
    options: { recursive: { type: 'boolean', short: 'R' } },
    help: `Lists the children of <path> with their owner (ephemeral session or persistent), data
size, number of children, version and age.

  -R, --recursive          the whole subtree`,
  },
  get: {
    summary: "a node's data, decoded (queue items, service JSON, counters, JSON, text)",
    usage: 'zk-recipes get <path>... [options]',
    positional: 'paths',
    options: { raw: { type: 'boolean' } },
    help: `Prints the node's data, read in every format the recipes use that fits: Curator's queue item
frame, a service instance, JSON, a 4-byte int32 or 8-byte int64 counter, text; else hex. Several
paths are shown one after another (with --json, one JSON line each).

      --raw                write the data's bytes as they are, nothing else`,
  },
  watch: {
    summary: "inspect's view, live: redrawn on every change (JSON lines when not a terminal)",
    usage: 'zk-recipes watch <path> [options]',
    positional: 'path',
    options: INSPECT_OPTIONS,
    help: `Shows inspect's view of <path> and redraws it on every change under it, as ZooKeeper's watches
report them (a persistent recursive watch: nothing is polled). Not on a terminal (or with --json),
prints one JSON line per change. Ctrl-C ends it.

${INSPECT_OPTIONS_HELP}`,
  },
  doctor: {
    summary: 'can I connect; server version and mode, session timeout, TTL nodes, RTT, 4lw',
    usage: 'zk-recipes doctor [options]',
    positional: 'none',
    options: {},
    help: `Connects and reports: how long the connection took, the server's version and mode (srvr),
the session timeout the server granted, whether TTL nodes are enabled (extendedTypesEnabled,
probed without writing anything), the round-trip time, and which four-letter words are allowed.`,
  },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `zk-recipes: see who holds, who leads and what waits in ZooKeeper

Usage: zk-recipes [connection options] <command> [options] [path]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run 'zk-recipes <command> --help' for a command's options.

${GLOBAL_HELP}
`;
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name]!;
  return `Usage: ${c.usage}\n\n${c.help}\n\n${GLOBAL_HELP}\n`;
}

/** Global options every command takes. */
export interface GlobalOptions {
  connect: string | undefined;
  namespace: string | undefined;
  digest: string | undefined;
  timeoutMs: number;
  json: boolean;
  verbose: boolean;
}

export type Parsed =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | {
      kind: 'run';
      command: string;
      /** The paths given (at least one, except for doctor; exactly one for ls and watch). */
      paths: string[];
      global: GlobalOptions;
      options: Record<string, string | boolean | undefined>;
    };

/** parseArgs's messages are long; the first sentence names the mistake. */
function shortMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split(/\. (?=[A-Z])/)[0]!.replace(/\.$/, '');
}

/** Whether `argv` asks for stack traces (known before the rest is parsed, for errors in parsing). */
export function wantsVerbose(argv: readonly string[]): boolean {
  return argv.includes('--verbose') || argv.includes('-v');
}

function positiveInt(value: string, option: string, command: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2 ** 31 - 1) {
    throw new UsageError(
      `--${option} must be a positive whole number, not ${JSON.stringify(value)}`,
      command,
    );
  }
  return Number(value);
}

/**
 * Global options given before the command, and the command after them: `-c h:p inspect /x` is
 * `inspect -c h:p /x`. Stops at the first word that is not a global option (the command, or a
 * mistake the command's parse names); help and version stay where they are.
 */
function leadingGlobals(argv: readonly string[]): { command?: string; rest: string[] } {
  const lead: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    const name = word.startsWith('--')
      ? word.slice(2).split('=')[0]!
      : Object.keys(GLOBAL).find((k) => word === `-${GLOBAL[k]!.short}`);
    const spec = name === undefined ? undefined : GLOBAL[name];
    if (!word.startsWith('-') || !spec || name === 'help') break;
    lead.push(word);
    if (spec.type === 'string' && !word.includes('=') && i + 1 < argv.length) lead.push(argv[++i]!);
  }
  const command = argv[i];
  return command === undefined
    ? { rest: lead }
    : { command, rest: [...lead, ...argv.slice(i + 1)] };
}

export function parse(argv: readonly string[]): Parsed {
  const { command, rest } = leadingGlobals(argv);
  if (command === undefined && rest.length > 0) {
    throw new UsageError(
      `expected a command after ${rest.join(' ')} (${Object.keys(COMMANDS).join(', ')})`,
    );
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !COMMANDS[topic])
      throw new UsageError(`unknown command ${JSON.stringify(topic)}`);
    return { kind: 'help', text: topic ? commandHelp(topic) : mainHelp() };
  }
  if (command === '--version' || command === '-V') return { kind: 'version' };
  const spec = COMMANDS[command];
  if (!spec) {
    throw new UsageError(
      command.startsWith('-')
        ? `expected a command before ${command} (${Object.keys(COMMANDS).join(', ')})`
        : `unknown command ${JSON.stringify(command)} (${Object.keys(COMMANDS).join(', ')})`,
    );
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...rest],
      options: { ...GLOBAL, ...spec.options },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    throw new UsageError(shortMessage(e), command);
  }
  if (values.help) return { kind: 'help', text: commandHelp(command) };
  if (spec.positional === 'none' && positionals.length > 0) {
    throw new UsageError(`takes no path (got ${JSON.stringify(positionals[0])})`, command);
  }
  if (spec.positional !== 'none' && positionals.length === 0)
    throw new UsageError('missing <path>', command);
  if (spec.positional === 'path' && positionals.length > 1)
    throw new UsageError(`one path only (got ${positionals.length})`, command);
  for (const path of positionals) {
    if (!path.startsWith('/')) {
      throw new UsageError(`the path must start with / (got ${JSON.stringify(path)})`, command);
    }
  }
  if (values.raw === true && positionals.length > 1) {
    throw new UsageError('--raw takes one path (the bytes of several would run together)', command);
  }
  const digest = values.digest as string | undefined;
  if (digest !== undefined && !/^[^:]+:.*$/.test(digest)) {
    throw new UsageError('--digest takes user:password', command);
  }
  const timeout = values.timeout as string | undefined;
  const global: GlobalOptions = {
    connect: values.connect as string | undefined,
    namespace: values.namespace as string | undefined,
    digest,
    timeoutMs: timeout === undefined ? 5000 : positiveInt(timeout, 'timeout', command),
    json: values.json === true,
    verbose: values.verbose === true,
  };
  const maxLeases = values['max-leases'] as string | undefined;
  if (maxLeases !== undefined) positiveInt(maxLeases, 'max-leases', command);
  const lockPath = values['lock-path'] as string | undefined;
  if (lockPath !== undefined && !lockPath.startsWith('/')) {
    throw new UsageError(
      `--lock-path must start with / (got ${JSON.stringify(lockPath)})`,
      command,
    );
  }
  return { kind: 'run', command, paths: positionals, global, options: values };
}
