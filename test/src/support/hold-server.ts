// A child process for the stray-JVM test: starts a server, prints its JVM's pid and its
// folder, then waits to be killed without ever closing the server.
import { TestingServer } from '@zk-recipes/testing';

const server = await TestingServer.start();
process.stdout.write(`${server.pid} ${server.dir}\n`);
setInterval(() => undefined, 60_000);
