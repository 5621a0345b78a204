// A child process for the stray-JVM test: starts a server, prints its JVM's pid and its
// folder, then waits to be killed without ever closing the server. With `stopped` it stops
// the server first (as a test that restarts it later would), so no JVM guards the folder.
import { TestingServer } from '@zk-recipes/testing';

const server = await TestingServer.start();
const pid = server.pid;
if (process.argv[2] === 'stopped') await server.stop();
process.stdout.write(`${pid} ${server.dir}\n`);
setInterval(() => undefined, 60_000);
