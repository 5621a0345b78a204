/** The client a command uses: from --connect (or $ZK_CONNECT), --namespace and --digest. */
import { createClient, retryNTimes, type ZkClient } from '@zk-recipes/core';
import type { GlobalOptions } from './args.js';

/** Where the CLI connects when neither --connect nor $ZK_CONNECT says. */
export const DEFAULT_CONNECT = '127.0.0.1:2181';

/** The session timeout the CLI asks for: short, so a killed CLI leaves nothing for long. */
export const CLI_SESSION_TIMEOUT_MS = 10_000;

/** The connect string the options and environment give. */
export function connectStringOf(o: GlobalOptions, env: NodeJS.ProcessEnv): string {
  return o.connect ?? (env.ZK_CONNECT || DEFAULT_CONNECT); // an empty ZK_CONNECT is unset
}

/**
 * A started client. A bad connect string throws InvalidArgumentError (a usage error); no
 * server within `--timeout` rejects with ConnectTimeoutError, naming the last socket error.
 */
export async function connect(
  o: GlobalOptions,
  env: NodeJS.ProcessEnv,
  options: { namespace?: boolean } = {},
): Promise<ZkClient> {
  const client = createClient({
    connectString: connectStringOf(o, env),
    ...(options.namespace !== false && o.namespace !== undefined ? { namespace: o.namespace } : {}),
    auth: o.digest === undefined ? [] : [{ scheme: 'digest', credentials: o.digest }],
    sessionTimeoutMs: CLI_SESSION_TIMEOUT_MS,
    connectionTimeoutMs: o.timeoutMs,
    requestTimeoutMs: o.timeoutMs,
    // A tool answers now or says why: a couple of quick retries on connection loss, no more.
    retryPolicy: retryNTimes(2, 200),
  });
  await client.start({ timeoutMs: o.timeoutMs });
  return client;
}
