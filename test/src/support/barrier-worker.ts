// A child process for the double barrier tests: a member that enters a DoubleBarrier when told
// to and reports it; the test kills it while it waits to enter.
import { createClient } from '@zk-recipes/core';
import { DoubleBarrier } from '@zk-recipes/barrier';

const [connectString, path, qty, sessionMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const client = createClient({ connectString, sessionTimeoutMs: Number(sessionMs) });
await client.start();
process.send!({ type: 'ready', sessionId: client.session!.sessionId.toString() });
process.once('message', () => {
  void new DoubleBarrier(client, path, Number(qty))
    .enter()
    .then(() => process.send!({ type: 'entered' }));
});
