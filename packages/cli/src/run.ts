/** Runs one parsed command: connects (but for doctor, which connects itself) and dispatches. */
import type { Parsed } from './args.js';
import { doctor } from './commands/doctor.js';
import { get } from './commands/get.js';
import { checkAs, inspectCommand } from './commands/inspect.js';
import { ls } from './commands/ls.js';
import { watch } from './commands/watch.js';
import { connect } from './connect.js';
import type { Io } from './io.js';
import type { InspectHints } from './layouts/types.js';

export async function run(p: Extract<Parsed, { kind: 'run' }>, io: Io): Promise<void> {
  const { command, global: o, options } = p;
  if (command === 'doctor') return doctor(o, io);
  const path = p.path!;
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
        return await inspectCommand(client, path, hints, as, o.json, io);
      case 'ls':
        return await ls(client, path, options.recursive === true, o.json, io);
      case 'get':
        return await get(client, path, options.raw === true, o.json, io);
      case 'watch':
        return await watch(client, path, hints, as, o.json, io);
    }
  } finally {
    await client.close({ timeoutMs: 1000 });
  }
}
