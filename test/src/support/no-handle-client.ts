// Child process for the "close() leaves no handle" test: connects, creates an ephemeral,
// closes, and must then exit by itself.
import { createClient } from '@zk-recipes/core';

const client = createClient({ connectString: process.argv[2]!, sessionTimeoutMs: 4000 });
await client.start();
await client.create(`${process.argv[3]!}/eph`, '', { mode: 'EPHEMERAL' });
await client.close();
process.stdout.write('closed\n');
