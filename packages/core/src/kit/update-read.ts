/**
 * An update's reads (kit/update.ts): a request queued when its session ended was never sent, so
 * it is asked again in the client's next session.
 */
import type { ZkClient } from '../client.js';
import { NoNodeError, SessionExpiredError } from '../errors.js';
import type { Versioned } from './update-types.js';

/**
 * `call` again while it meets SessionExpiredError (its request was queued when the session
 * ended, so it was never sent: asked again, in the client's next session), until `signal`
 * aborts.
 */
export async function inNextSession<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof SessionExpiredError) || signal?.aborted) throw e;
    }
  }
}

export async function read(
  client: ZkClient,
  path: string,
  signal?: AbortSignal,
): Promise<Versioned | undefined> {
  try {
    return await inNextSession(() => client.getData(path, signal ? { signal } : {}), signal);
  } catch (e) {
    if (e instanceof NoNodeError) return undefined;
    throw e;
  }
}
