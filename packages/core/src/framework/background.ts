/**
 * Work that must eventually happen even though the call that needed it has returned: guaranteed
 * deletes whose delete failed on a connection loss, and the removal of a protected create that was
 * abandoned (Curator's "guaranteed" and "background delete"; docs/failure-modes.md, 1: lost
 * create reply, and CURATOR-678). Jobs run while connected, retry with backoff, and end when done
 * or moot. On close, whatever is left is dropped (and logged): nothing keeps the process alive.
 */
import type { Logger } from '../options.js';

export interface BackgroundJob {
  /** For logs. */
  describe: string;
  /** Does the work; resolves when done (or moot), rejects to be tried again later. */
  run(): Promise<void>;
}

const MIN_DELAY_MS = 50;
const MAX_DELAY_MS = 5000;

export class Background {
  private readonly jobs = new Map<BackgroundJob, number>(); // job -> failures so far
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Set when work arrives during a pass, which only walks the jobs it started with. */
  private dirty = false;
  private closed = false;

  constructor(
    private readonly isConnected: () => boolean,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.jobs.size;
  }

  add(job: BackgroundJob): void {
    if (this.closed) {
      this.logger.warn({ job: job.describe }, 'client closed: background job dropped');
      return;
    }
    this.jobs.set(job, 0);
    this.schedule(0);
  }

  /** Called on CONNECTED/RECONNECTED: try everything now. */
  kick(): void {
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.closed || this.jobs.size === 0) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runAll(), delay);
    this.timer.unref();
  }

  private async runAll(): Promise<void> {
    this.timer = undefined;
    if (this.running || this.closed) return;
    if (!this.isConnected()) return; // kick() on reconnect
    this.running = true;
    this.dirty = false;
    let next = Infinity;
    try {
      for (const [job, failures] of [...this.jobs]) {
        if (this.closed) return;
        try {
          await job.run();
          this.jobs.delete(job);
        } catch (e) {
          this.jobs.set(job, failures + 1);
          const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** Math.min(failures, 10));
          next = Math.min(next, delay);
          this.logger.debug(
            { job: job.describe, error: String(e) },
            'background job will be retried',
          );
        }
      }
    } finally {
      this.running = false;
    }
    if (this.dirty) this.schedule(0);
    else if (next !== Infinity) this.schedule(next);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const job of this.jobs.keys())
      this.logger.warn({ job: job.describe }, 'client closed: background job dropped');
    this.jobs.clear();
  }
}
