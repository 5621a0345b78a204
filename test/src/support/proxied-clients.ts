// One fixture for the setup most tests share: a unique TestRoot, a FaultProxy in front of the
// server, and started clients (through the proxy, or straight to the server), all disposed
// together however the test ends.
import { FaultProxy, TestRoot } from '@zk-recipes/testing';
import type { ClientOptions } from '@zk-recipes/core';
import { startedClient, type StartedClient } from './core-helpers.js';

/** One client's options (its connect string is the proxy's, or the server's when `direct`). */
export type ClientSpec = Omit<ClientOptions, 'connectString'> & {
  /** Connect straight to the server, not through the proxy. */
  direct?: boolean;
  /** Chroot the client at the test root (`<connect string><root.path>`). */
  chroot?: boolean;
};

export interface ProxiedClientsOptions<C extends number | readonly ClientSpec[]> {
  /** How many clients (all with `client`'s options), or one spec each. Default 1. */
  clients?: C;
  /** Options every client gets; a spec's own options win. */
  client?: ClientSpec;
  /** Put a FaultProxy in front of the server (default true); false: every client is direct. */
  proxy?: boolean;
  /** Make a unique TestRoot (default true). */
  root?: boolean;
}

type Repeat<N extends number, A extends StartedClient[] = []> = number extends N
  ? StartedClient[]
  : A['length'] extends N
    ? A
    : Repeat<N, [...A, StartedClient]>;

/** A tuple of StartedClient as long as the `clients` option. */
export type StartedClients<C> = C extends number
  ? Repeat<C>
  : { -readonly [K in keyof C]: StartedClient };

export interface ProxiedClients<C> extends AsyncDisposable {
  /** The test's unique root (throws when made with `root: false`). */
  readonly root: TestRoot;
  /** The proxy in front of the server (throws when made with `proxy: false`). */
  readonly proxy: FaultProxy;
  /** The clients, in the order asked for. */
  readonly clients: StartedClients<C>;
  /** Starts one more client, closed with the others. */
  add(spec?: ClientSpec): Promise<StartedClient>;
  /** Closes the clients (the last started first), then the proxy, then removes the root. */
  close(): Promise<void>;
}

/**
 * Makes a test root, a fault proxy in front of `server`, and started clients connected through
 * it; `await using` the result (or call `close()`) and all of it goes however the test ends.
 *
 * @example
 * await using fx = await proxiedClients(server, {
 *   clients: [{ sessionTimeoutMs: 2000 }, { direct: true }],
 * });
 * const { root, proxy, clients: [holder, waiter] } = fx;
 */
export async function proxiedClients<
  const C extends number | readonly ClientSpec[] = readonly [ClientSpec],
>(
  server: { connectString: string },
  options: ProxiedClientsOptions<C> = {},
): Promise<ProxiedClients<C>> {
  const {
    clients = 1,
    client: common = {},
    proxy: withProxy = true,
    root: withRoot = true,
  } = options;
  const specs: readonly ClientSpec[] =
    typeof clients === 'number' ? Array.from({ length: clients }, () => ({})) : clients;
  let root: TestRoot | undefined;
  let proxy: FaultProxy | undefined;
  const started: StartedClient[] = [];
  let closed: Promise<void> | undefined;

  const close = () =>
    (closed ??= (async () => {
      const errors: unknown[] = [];
      const attempt = async (fn: () => Promise<void>) => {
        try {
          await fn();
        } catch (e) {
          errors.push(e);
        }
      };
      for (const s of started.splice(0).reverse()) await attempt(() => s[Symbol.asyncDispose]());
      if (proxy) await attempt(() => proxy!.close());
      if (root) await attempt(() => root!.remove());
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, 'the fixture did not close cleanly');
    })());

  const add = async (spec: ClientSpec = {}): Promise<StartedClient> => {
    const { direct, chroot, ...own } = { ...common, ...spec };
    const target = direct || !proxy ? server : proxy;
    if (chroot && !root) throw new Error('chroot: true needs the root');
    const connectString = `${target.connectString}${chroot ? root!.path : ''}`;
    const s = await startedClient({ ...own, connectString });
    started.push(s);
    return s;
  };

  try {
    if (withRoot) root = await TestRoot.create(server);
    if (withProxy) proxy = await FaultProxy.start(server);
    for (const spec of specs) await add(spec);
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
  const clientList = [...started] as StartedClients<C>;
  return {
    get root() {
      if (!root) throw new Error('made with root: false');
      return root;
    },
    get proxy() {
      if (!proxy) throw new Error('made with proxy: false');
      return proxy;
    },
    clients: clientList,
    add,
    close,
    [Symbol.asyncDispose]: close,
  };
}
