/** Where a command writes, and what it reads from its environment (a test passes its own). */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (SIGINT, SIGTERM): `watch` ends then. */
  readonly stopped: Promise<void>;
}

/** `value` as JSON text (bigints as decimal strings). */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    indent,
  );
}
