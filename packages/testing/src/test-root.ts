import { randomBytes } from 'node:crypto';
import { WireClient } from './wire/wire-client.js';

/**
 * A unique persistent root path for one test, created on the server and removed with
 * everything under it when disposed.
 *
 * @example
 * await using root = await TestRoot.create(server);
 * const lockPath = root.child('lock');
 */
export class TestRoot {
  private constructor(
    readonly path: string,
    private readonly connectString: string,
  ) {}

  /** Creates a unique root (`/<prefix>-<random>`) on the server. */
  static async create(
    target: string | { connectString: string },
    prefix = 'test',
  ): Promise<TestRoot> {
    const connectString = typeof target === 'string' ? target : target.connectString;
    const path = `/${prefix}-${randomBytes(6).toString('hex')}`;
    const c = await WireClient.connect({ connectString });
    try {
      await c.create(path);
    } finally {
      await c.closeSession();
    }
    return new TestRoot(path, connectString);
  }

  /** `<root>/<name>` */
  child(...names: string[]): string {
    return [this.path, ...names].join('/');
  }

  /** Removes the root and everything under it. */
  async remove(): Promise<void> {
    const c = await WireClient.connect({ connectString: this.connectString });
    try {
      await c.deleteRecursive(this.path);
    } finally {
      await c.closeSession();
    }
  }

  /** `await using`: calls `remove()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }
}
