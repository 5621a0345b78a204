/** Runs one parsed command: connects (but for doctor, which connects itself) and dispatches. */
import { NoAuthError, NoNodeError } from '@zk-recipes/core';
import type { Parsed } from './args.js';
import { doctor } from './commands/doctor.js';
import { get } from './commands/get.js';
import { checkAs, inspectCommand } from './commands/inspect.js';
import { ls } from './commands/ls.js';
import { watch } from './commands/watch.js';
import { connect } from './connect.js';
import { describe, stackOf } from './failures.js';
import type { Io } from './io.js';
import type { InspectHints } from './layouts/types.js';

/** Runs the command and resolves with its exit code; rejects with what ends it for every path. */
export async function run(p: Extract<Parsed, { kind: 'run' }>, io: Io): Promise<number> {
  const { command, global: o, options } = p;
  if (command === 'doctor') {
    await doctor(o, io);
    return 0;
  }
  const path = p.paths[0]!;
  // A path that is missing or unreadable is said in its line; the other paths still go.
  const eachPath = async (show: (path: string) => Promise<void>): Promise<number> => {
    let code = 0;
    for (const at of p.paths) {
      try {
        await show(at);
      } catch (e) {
        if (!(e instanceof NoNodeError) && !(e instanceof NoAuthError)) throw e;
        const d = describe(e, command, at);
        io.stderr.write(`${d.line}\n`);
        if (o.verbose) io.stderr.write(`${stackOf(e)}\n`);
        code = d.code;
      }
    }
    return code;
  };
  const as = options.as as string | undefined;
  checkAs(as);
  const hints: InspectHints = {
    ...(options['max-leases'] !== undefined ? { maxLeases: Number(options['max-leases']) } : {}),
    ...(options['lock-path'] !== undefined ? { lockPath: options['lock-path'] as string } : {}),
  };
  const client = await connect(o, io.env);
  try {
    switch (command) {
      case 'inspect':
        return await eachPath((at) => inspectCommand(client, at, hints, as, o.json, io));
      case 'get':
        return await eachPath((at) => get(client, at, options.raw === true, o.json, io));
      case 'ls':
        await ls(client, path, options.recursive === true, o.json, io);
        return 0;
      default: // watch
        await watch(client, path, hints, as, o.json, io);
        return 0;
    }
  } finally {
    await client.close({ timeoutMs: 1000 });
  }
}
