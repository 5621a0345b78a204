import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Removes a server's folder if this process ends before the server is closed, however it ends.
 *
 * The JVM's guard (jvm.ts) does this only while the JVM runs. A server that was stopped (kept
 * for a restart) has no JVM and so no guard, and a signal's default action ends this process
 * without running its 'exit' handlers: the folder stayed in the temp directory. This guard
 * lives as long as the folder is tracked: a shell whose standard input is a pipe from this
 * process. End of input without `keep` (this process died) or a signal to the process group
 * (Ctrl-C, timeout(1)) removes the folder; `keep` (the owner removed it) ends it quietly.
 */
const SCRIPT = `
exec 3<&0
( while IFS= read -r cmd; do
    if [ "$cmd" = keep ]; then exit 0; fi
  done
  rm -rf "$1" ) <&3 &
r=$!
trap 'rm -rf "$1"; kill "$r" 2>/dev/null; exit 0' TERM HUP INT
wait "$r"
`;

export class DirGuard {
  private readonly shell: ChildProcess;

  constructor(readonly dir: string) {
    this.shell = spawn('/bin/sh', ['-c', SCRIPT, 'zk-dir-guard', dir], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // Like the JVM's guard, it must not keep this process alive; the pipe still closes at exit.
    this.shell.unref();
    const stdin = this.shell.stdin!;
    (stdin as unknown as { unref?: () => void }).unref?.();
    stdin.on('error', () => undefined);
  }

  /** The folder was removed by its owner: end the guard without touching the path again. */
  release(): void {
    const stdin = this.shell.stdin;
    if (stdin?.writable) stdin.end('keep\n');
  }
}
