// Helpers for the Mutex hand-off tests: counting requests through a FaultProxy, waiting for the
// holder's hand-off watch, and checking that no children watch is left behind.
import assert from 'node:assert/strict';
import { NoNodeError, NoWatcherError, type ZkClient } from '@zk-recipes/core';
import { timing, type FaultProxy, type RequestOpName } from '@zk-recipes/testing';

const OPS: RequestOpName[] = [
  'create',
  'create2',
  'createContainer',
  'delete',
  'exists',
  'getData',
  'setData',
  'getChildren',
  'getChildren2',
  'multi',
  'sync',
  'removeWatches',
  'addWatch',
];
/** Every request the proxy has passed to the server (pings aside). */
export const requests = (proxy: FaultProxy) => OPS.reduce((n, op) => n + proxy.requestCount(op), 0);

/**
 * Waits until the holder has listed the lock path once more than `lists` (the getChildren that
 * sets its hand-off watch), and the reply has had time to come back.
 */
export async function holderWatches(proxy: FaultProxy, lists: number): Promise<void> {
  await timing.waitFor(() => proxy.requestCount('getChildren2') > lists, {
    message: 'the holder watches the lock path',
  });
  await timing.sleep(50);
}

/**
 * No children watch of `client`'s session is left on `path`. The server's wchc, which
 * assertNoLeftoverWatches reads, lists data watches only; removeWatches asks the server itself
 * (NOWATCHER when there is none; a watch that was there is removed by asking).
 */
export async function assertNoChildWatch(client: ZkClient, path: string): Promise<void> {
  await assert.rejects(
    client.removeWatches(path, { type: 'children' }),
    (e: unknown) => e instanceof NoWatcherError || e instanceof NoNodeError,
    'a children watch was left on the lock path',
  );
}
