/**
 * What a layout recogniser is given and returns. A recogniser looks at the tree at a path and
 * says whether it sees its recipe there; the registry (./registry.ts) runs them all and reports
 * every one that matched, so two recipes with the same layout are both named, never guessed.
 */
import type { Stat, ZkClient } from '@zk-recipes/core';

/** JSON, as `--json` prints it (bigints are decimal strings). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A child of the inspected node, read with its data and Stat. */
export interface ChildNode {
  readonly name: string;
  readonly path: string;
  readonly data: Buffer;
  readonly stat: Stat;
}

/** The tree at the inspected path, read once and shared by every recogniser. */
export interface LayoutContext {
  readonly client: ZkClient;
  readonly path: string;
  readonly data: Buffer;
  readonly stat: Stat;
  /** The children's names, unsorted. */
  readonly childNames: readonly string[];
  /** Every child with its data and Stat (read on first call, then shared; vanished ones left out). */
  children(): Promise<ChildNode[]>;
  /** The children of `path` with data and Stat (vanished ones left out; [] for a missing path). */
  readChildren(path: string): Promise<ChildNode[]>;
  /** What the user told about the layout (`--max-leases`, `--lock-path`). */
  readonly hints: InspectHints;
  /** The time the tree was read (epoch ms): ages are counted to it. */
  readonly now: number;
}

/** What the tree cannot say and the user may: given on the command line. */
export interface InspectHints {
  /** A semaphore's maxLeases (not stored in ZooKeeper). */
  maxLeases?: number;
  /** A queue's lock path (lock-safe mode), where items in flight have their lock nodes. */
  lockPath?: string;
}

/** A layout one recogniser saw. */
export interface Recognized {
  /** Stable name of the layout: `mutex`, `leader-latch`, `queue`, ... (docs/cli.md lists them). */
  readonly kind: string;
  /** The recipe's names, ours and Curator's, for people. */
  readonly title: string;
  /** The layout's facts, as `--json` prints them under the layout. */
  readonly details: { [key: string]: Json };
  /** The same facts for a terminal, one line each (indented by the caller). */
  readonly lines: readonly string[];
  /** Something the tree cannot say (printed and in `--json` as `notes`). */
  readonly notes?: readonly string[];
}

/** One layout: a small file under ./, listed in ./registry.ts. */
export interface Layout {
  /** The kind it reports (one file may report related kinds: services, service, ...). */
  readonly kind: string;
  /** What it sees in the tree at `ctx.path`, or undefined when its recipe is not there. */
  recognize(ctx: LayoutContext): Promise<Recognized | undefined>;
}
