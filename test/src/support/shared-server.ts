import { after, before } from 'node:test';
import { TestingServer, type TestingServerOptions } from '@zk-recipes/testing';

/**
 * One real server for every test of a file: started before the first, closed after the last.
 * The handle works wherever a `{ connectString }` is taken (TestRoot, FaultProxy,
 * expireSession, the leftover checks).
 */
export function sharedServer(options: TestingServerOptions = {}): {
  readonly connectString: string;
} {
  let server: TestingServer | undefined;
  before(async () => {
    server = await TestingServer.start(options);
  });
  after(async () => {
    await server?.close();
  });
  return {
    get connectString(): string {
      if (!server) throw new Error('the shared server is not started yet');
      return server.connectString;
    },
  };
}
