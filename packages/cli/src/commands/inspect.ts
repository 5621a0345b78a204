/** `inspect <path>`: what lives at the path (../inspect.ts reads it, ../layouts/ recognise it). */
import type { ZkClient } from '@zk-recipes/core';
import { UsageError } from '../args.js';
import { inspectLines, type InspectResult } from '../inspect.js';
import { jsonText, type Io } from '../io.js';
import { layouts } from '../layouts/registry.js';
import type { InspectHints } from '../layouts/types.js';

/** Every layout kind a recogniser reports (`--as` takes one). */
export const KINDS = [...layouts.map((l) => l.kind), 'service', 'service-instance'] as const;

/** Checks `--as` before anything is sent. */
export function checkAs(as: string | undefined): void {
  if (as !== undefined && !(KINDS as readonly string[]).includes(as)) {
    throw new UsageError(
      `--as takes one of ${KINDS.join(', ')} (got ${JSON.stringify(as)})`,
      'inspect',
    );
  }
}

/** The view with only the `as` layout (all when undefined); its lines re-rendered when filtered. */
export function keepLayouts(
  view: { result: InspectResult; lines: string[] },
  as: string | undefined,
): { result: InspectResult; lines: string[] } {
  if (as === undefined) return view;
  const kept = view.result.layouts.filter((l) => l.kind === as);
  const result = { ...view.result, layouts: kept, ambiguous: false };
  if (kept.length === view.result.layouts.length) return { result, lines: view.lines };
  // Drop the other layouts' blocks: each starts with its title at two spaces.
  const lines: string[] = [view.lines[0]!];
  let keep = false;
  for (const l of view.lines.slice(1)) {
    if (/^ {2}\S/.test(l)) keep = kept.some((k) => l === `  ${k.title}`);
    if (keep) lines.push(l);
  }
  if (kept.length === 0) lines.push(`  no ${as} layout here`);
  return { result, lines };
}

export async function inspectCommand(
  client: ZkClient,
  path: string,
  hints: InspectHints,
  as: string | undefined,
  json: boolean,
  io: Io,
): Promise<void> {
  const view = keepLayouts(await inspectLines(client, path, hints), as);
  io.stdout.write(json ? `${jsonText(view.result)}\n` : `${view.lines.join('\n')}\n`);
}
