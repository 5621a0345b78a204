import net, { type Socket } from 'node:net';
import { FaultProxy, timing } from '@zk-recipes/testing';
import {
  createClient,
  NoNodeError,
  noRetry,
  type ClientOptions,
  type StateChange,
  type ZkClient,
} from '@zk-recipes/core';

export interface StartedClient {
  client: ZkClient;
  changes: StateChange[];
  states: () => string[];
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A started client plus the list of every state change it has reported; `await using` it and
 * the client is closed however the test ends.
 */
export async function startedClient(options: ClientOptions): Promise<StartedClient> {
  const client = createClient(options);
  const changes: StateChange[] = [];
  client.onStateChange((c) => changes.push(c));
  await client.start();
  return {
    client,
    changes,
    states: () => changes.map((c) => c.state),
    [Symbol.asyncDispose]: () => client.close(),
  };
}

// CLOSED may follow any state (a close, or a failed start), and nothing follows it.
const LEGAL: Record<string, readonly string[]> = {
  LATENT: ['CONNECTED', 'CLOSED'],
  CONNECTED: ['SUSPENDED', 'CLOSED'],
  RECONNECTED: ['SUSPENDED', 'CLOSED'],
  SUSPENDED: ['RECONNECTED', 'LOST', 'CLOSED'],
  LOST: ['RECONNECTED', 'CLOSED'],
  CLOSED: [],
};

/** Throws unless every step of `states` (from LATENT) is a legal transition. */
export function assertLegalSequence(states: readonly string[]): void {
  let prev = 'LATENT';
  for (const s of states) {
    if (!LEGAL[prev]!.includes(s))
      throw new Error(`illegal transition ${prev} -> ${s} in ${states.join(',')}`);
    prev = s;
  }
}

/**
 * Waits until the client is RECONNECTED on a session other than `oldSessionId`. expireSession
 * can make the original client briefly take its old session back (a real SUSPENDED ->
 * RECONNECTED) before the session is closed, so waiting for RECONNECTED alone is not enough.
 */
export async function waitForNewSession(
  client: ZkClient,
  oldSessionId: bigint,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(client.state === 'RECONNECTED' && client.session!.sessionId !== oldSessionId)) {
    if (Date.now() > deadline)
      throw new Error(`no new session within ${timeoutMs} ms (state ${client.state})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * For lost-reply tests: a client `a` behind a fresh fault proxy, a client `giveUp` behind the
 * same proxy that never retries, and a client `b` straight to the server. `await using` it and
 * all four close however the test ends.
 */
export async function lostReplyClients(server: { connectString: string }) {
  const proxy = await FaultProxy.start(server);
  const started: StartedClient[] = [];
  try {
    started.push(
      await startedClient({ connectString: proxy.connectString, sessionTimeoutMs: 8000 }),
    );
    started.push(
      await startedClient({
        connectString: proxy.connectString,
        sessionTimeoutMs: 8000,
        retryPolicy: noRetry,
      }),
    );
    started.push(await startedClient({ connectString: server.connectString }));
  } catch (e) {
    for (const s of started) await s[Symbol.asyncDispose]();
    await proxy.close();
    throw e;
  }
  const [a, giveUp, b] = started as [StartedClient, StartedClient, StartedClient];
  return {
    proxy,
    a,
    giveUp,
    b,
    async [Symbol.asyncDispose]() {
      for (const s of [b, giveUp, a]) await s[Symbol.asyncDispose]();
      await proxy.close();
    },
  };
}

/** The parts of node-zookeeper-client's connection manager that tests reach (internal). */
export interface TestConnectionManager {
  socket: Socket;
  xid: number;
  /** The last zxid seen, 8 bytes. */
  zxid: Buffer;
}

/** The connection manager of `client`'s present session (internal). */
export function connectionManagerOf(client: ZkClient): TestConnectionManager {
  return (
    client as unknown as {
      s: { connection: { raw: { client: { connectionManager: TestConnectionManager } } } };
    }
  ).s.connection.raw.client.connectionManager;
}

/**
 * Counts the writes (system calls) on `client`'s present socket (internal), until `restore()`.
 */
export function countSocketWrites(client: ZkClient): { readonly count: number; restore(): void } {
  const socket = connectionManagerOf(client).socket;
  const counter = { count: 0, restore: () => undefined as void };
  // Own properties over the prototype's methods; restore() deletes them again.
  const write = socket._write.bind(socket);
  const writev = socket._writev!.bind(socket);
  socket._write = (...args) => {
    counter.count++;
    write(...args);
  };
  socket._writev = (...args) => {
    counter.count++;
    writev(...args);
  };
  counter.restore = () => {
    delete (socket as Partial<Socket>)._write;
    delete (socket as Partial<Socket>)._writev;
  };
  return counter;
}

/** A loopback port nothing listens on (it was free a moment ago). */
export function refusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves to whether `p` settled within `ms` (scaled); never rejects, and consumes no rejection. */
export async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await timing.sleep(ms);
  return done;
}

/** Polls `check` every 50 ms until it is true; rejects after `timeoutMs` naming `what`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The children of `path`, or none when the node is gone: a recipe's parent made as a container
 * (as Curator makes them) may be removed by the server as soon as its last child goes.
 */
export async function childrenOrNone(client: ZkClient, path: string): Promise<string[]> {
  try {
    return (await client.getChildren(path)).children;
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
}
