#!/usr/bin/env node
// The `zk-recipes` command (package.json "bin"): ./main.ts does the work.
import { main } from './main.js';

const stopped = new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stopped,
});
// Only `watch` waits for a signal; every other command is done here. A SIGINT handler left
// installed would keep Ctrl-C from ending anything later, so the process ends now.
process.exit();
