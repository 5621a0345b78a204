// Tests of @zk-recipes/testing observe faults through a plain node-zookeeper-client, exactly as
// the issue asks; product code reaches that package only through @zk-recipes/core.
import zookeeper from 'node-zookeeper-client';

export type PlainClient = zookeeper.Client;
export { zookeeper };

/** Connects a plain node-zookeeper-client and resolves once it is connected. */
export function plainClient(connectString: string, sessionTimeout = 4000): Promise<PlainClient> {
  const client = zookeeper.createClient(connectString, {
    sessionTimeout,
    spinDelay: 100,
    retries: 0,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`plain client could not connect to ${connectString}`));
    }, 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/** Promise form of a node-style callback call. */
export function call<T>(fn: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((err, value) =>
      err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(value),
    ),
  );
}
