/**
 * What a rebuild changed, for its `resynced` event, collected as the rebuild applies each
 * change: a node added and removed again within one rebuild is no difference, one removed and
 * added again is an update.
 */
import type { Change } from './store.js';
import type { CacheDiff } from './types.js';

export class RebuildDiff {
  private readonly added = new Set<string>();
  private readonly updated = new Set<string>();
  private readonly removed = new Set<string>();

  note(change: Change): void {
    const p = change.path;
    if (change.type === 'added') {
      if (this.removed.delete(p)) this.updated.add(p);
      else this.added.add(p);
    } else if (change.type === 'updated') {
      if (!this.added.has(p)) this.updated.add(p);
    } else if (!this.added.delete(p)) {
      this.updated.delete(p);
      this.removed.add(p);
    }
  }

  result(): CacheDiff {
    return {
      added: [...this.added].sort(),
      updated: [...this.updated].sort(),
      removed: [...this.removed].sort(),
    };
  }
}
