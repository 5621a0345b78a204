import {
  createClient,
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

const LEGAL: Record<string, readonly string[]> = {
  LATENT: ['CONNECTED'],
  CONNECTED: ['SUSPENDED'],
  RECONNECTED: ['SUSPENDED'],
  SUSPENDED: ['RECONNECTED', 'LOST'],
  LOST: ['RECONNECTED'],
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
