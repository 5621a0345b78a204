// The demo: connects to ZooKeeper (an embedded server it starts itself, or ZK_CONNECT), creates
// nodes, watches one, and reports every connection state, through a server restart when the
// server is its own. Until the lock and leader recipes land, this is what it shows.
import { createClient, ZkRecipesError, type StateChange } from '@zk-recipes/core';
import { TestingServer } from '@zk-recipes/testing';

const began = Date.now();
const say = (msg: string) => {
  const t = ((Date.now() - began) / 1000).toFixed(2).padStart(6);
  process.stdout.write(`[${t}s] ${msg}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  let server: TestingServer | undefined;
  let connectString = process.env.ZK_CONNECT;
  if (connectString) {
    say(`using ZooKeeper at ${connectString} (ZK_CONNECT)`);
  } else {
    say('starting an embedded ZooKeeper server...');
    server = await TestingServer.start({ tickTimeMs: 200 });
    connectString = server.connectString;
    say(`embedded ZooKeeper is serving at ${connectString}`);
  }
  const stopServer = () => void server?.close();
  process.once('SIGINT', stopServer);
  process.once('SIGTERM', stopServer);

  // A restart of a loaded machine's server can take seconds; the session outlives it by design.
  const client = createClient({ connectString, sessionTimeoutMs: 15_000 });
  client.onStateChange((c: StateChange) =>
    say(
      `connection state: ${c.previous} -> ${c.state}  (session 0x${c.sessionId.toString(16)}` +
        `${c.reason ? `, ${c.reason}` : ''})`,
    ),
  );
  try {
    await client.start({ timeoutMs: 20_000 });
    const root = `/zk-recipes-demo-${process.pid}`;
    await client.create(root, 'demo root');
    say(`created ${root}`);

    const config = `${root}/config`;
    await client.create(config, 'v1');
    const watched = new Promise<void>((resolve) => {
      void client.getData(config, {
        watch: (e) => {
          say(`watch fired: ${e.type} on ${e.path}`);
          resolve();
        },
      });
    });
    await sleep(50);
    await client.setData(config, 'v2');
    await watched;
    say(`${config} now holds "${(await client.getData(config)).data.toString()}"`);

    const { path: eph } = await client.create(`${root}/worker-`, 'me', {
      mode: 'EPHEMERAL_SEQUENTIAL',
    });
    say(`created ephemeral sequential node ${eph}`);

    if (server) {
      say('restarting the server: watch the connection go SUSPENDED and come back');
      await server.stop();
      await sleep(500);
      await server.restart();
      while (client.state !== 'RECONNECTED') await sleep(50);
      const alive = (await client.exists(eph)) !== null;
      say(
        `after the restart the session ${alive ? 'lives on: the ephemeral is still there' : 'was lost'}`,
      );
    }

    for (const child of (await client.getChildren(root)).children)
      await client.delete(`${root}/${child}`);
    await client.delete(root);
    say(`removed ${root}`);
  } finally {
    await client.close();
    await server?.close();
    say(server ? 'done: client closed, embedded server stopped' : 'done: client closed');
  }
}

main().catch((e: unknown) => {
  // Our own errors say what happened in their message; anything else gets its stack.
  const text =
    e instanceof ZkRecipesError
      ? `${e.code}: ${e.message}`
      : e instanceof Error
        ? (e.stack ?? e.message)
        : String(e);
  process.stderr.write(`demo failed: ${text}\n`);
  process.exitCode = 1;
});
