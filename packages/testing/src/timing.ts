/**
 * Waits in tests, scaled by one environment variable, `ZK_TEST_TIMING` (a multiplier, default
 * 1), so a slow or loaded machine can stretch every wait at once instead of editing tests.
 * Like Curator's `Timing`. Waits bound how long a test may take to see something happen;
 * they never assert that something was fast (speed is measured under bench/).
 */
export class Timing {
  readonly multiplier: number;

  constructor(multiplier?: number) {
    const fromEnv = Number(process.env.ZK_TEST_TIMING ?? '1');
    this.multiplier = multiplier ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 1);
  }

  /** `ms` scaled by the multiplier. */
  ms(ms: number): number {
    return Math.round(ms * this.multiplier);
  }

  /** Sleeps for `ms` (scaled). */
  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, this.ms(ms)));
  }

  /**
   * Polls `check` until it returns a truthy value (which is returned), or throws after
   * `timeoutMs` (scaled) with `message`.
   */
  async waitFor<T>(
    check: () => T | Promise<T>,
    options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
  ): Promise<NonNullable<T>> {
    const timeout = this.ms(options.timeoutMs ?? 10_000);
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) {
        throw new Error(`${options.message ?? 'condition'} not met within ${timeout} ms`);
      }
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 20));
    }
  }
}

/** The default {@link Timing}, from `ZK_TEST_TIMING`. */
export const timing = new Timing();
