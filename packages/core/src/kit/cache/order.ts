/**
 * Orders the engine's reads against the deletes it hears. Core settles a read's promise from the
 * reply's frame, but the engine applies the answer only some microtasks later, while a
 * notification read from the same chunk is handed to the engine at once: a read answered before
 * a delete can thus be applied after that delete was, and would bring back a node (or a child of
 * a subtree) the server no longer has. The soak test found such an orphan; the deterministic
 * case is test/src/cache/tree-cache-faults.test.ts ("... in the same chunk as the delete ...").
 *
 * So each delete heard while reads are in flight is stamped, and a read sent before a delete of
 * its node or of one of its ancestors is dropped: whatever exists there later was created after
 * that delete, and its own event brings a fresh read. The stamps go when no read is in flight.
 */
import { parentOf } from './store.js';

export class ReadOrder {
  /** Counts the deletes heard; a read remembers the count when it is sent. */
  private clock = 0;
  private inFlight = 0;
  /** Path -> the clock of its last delete, kept only while reads are in flight. */
  private readonly deletedAt = new Map<string, number>();

  constructor(private readonly root: string) {}

  /** A delete of `path` (and so of its subtree) was heard. */
  deleted(path: string): void {
    if (this.inFlight > 0) this.deletedAt.set(path, ++this.clock);
  }

  /**
   * Awaits a read of `path` sent just now; its answer, or `undefined` when `path` or an ancestor
   * (up to the engine's root) was deleted meanwhile. The caller applies the answer in the same
   * run of microtasks, before any other notification can be heard.
   */
  async read<T>(path: string, sent: Promise<T>): Promise<T | undefined> {
    const at = this.clock;
    this.inFlight++;
    try {
      const answer = await sent;
      return this.deletedSince(path, at) ? undefined : answer;
    } finally {
      if (--this.inFlight === 0) this.deletedAt.clear();
    }
  }

  /** {@link read} for a batch: one answer per path, `undefined` where a delete came after. */
  async readMany<T>(paths: readonly string[], sent: Promise<T[]>): Promise<(T | undefined)[]> {
    const at = this.clock;
    this.inFlight++;
    try {
      const answers: (T | undefined)[] = await sent;
      if (this.clock !== at) {
        for (let i = 0; i < paths.length; i++)
          if (this.deletedSince(paths[i]!, at)) answers[i] = undefined;
      }
      return answers;
    } finally {
      if (--this.inFlight === 0) this.deletedAt.clear();
    }
  }

  private deletedSince(path: string, at: number): boolean {
    if (this.clock === at) return false;
    for (let p: string | undefined = path; p !== undefined; p = parentOf(p)) {
      if ((this.deletedAt.get(p) ?? 0) > at) return true;
      if (p === this.root) break;
    }
    return false;
  }
}
