import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';

/**
 * Runs the JVM under a tiny /bin/sh guard whose standard input is a pipe from this process.
 * When this process ends in any way (normal exit, crash, SIGKILL from a test runner's timeout),
 * the pipe closes, the guard reads end-of-file and kills the JVM. That is how "no stray JVMs"
 * holds even when no exit handler of ours gets to run. The guard also relays commands
 * (`term`, `kill`) and reports the JVM's pid and exit status on its standard output.
 *
 * End of input while the JVM still runs means this process died without stopping it (our
 * stop() and kill() close the pipe only after the JVM exited): then no exit handler of ours
 * removes the server's folder either, so the guard does (`ZKR_ORPHAN_DIR`). Without it every
 * killed test process left its server's folder in the temp directory.
 *
 * A signal sent to the whole process group (Ctrl-C, timeout(1), a CI job's cancellation) reaches
 * the guard too, and would end it before it read that end of input, with the JVM gone the same
 * way and the folder left behind: so it traps TERM, HUP and INT and does the same cleanup.
 */
const GUARD = `
orphan() { if [ -n "$ZKR_ORPHAN_DIR" ]; then rm -rf "$ZKR_ORPHAN_DIR"; fi; }
"$@" </dev/null >>"$ZKR_LOG" 2>&1 &
j=$!
echo "pid $j"
exec 3<&0
( while IFS= read -r cmd; do
    case "$cmd" in
      term) kill -TERM "$j" 2>/dev/null ;;
      kill) kill -KILL "$j" 2>/dev/null ;;
    esac
  done
  if kill -0 "$j" 2>/dev/null; then
    kill -KILL "$j" 2>/dev/null
    orphan
  fi ) <&3 &
r=$!
trap 'kill -KILL "$j" 2>/dev/null; wait "$j"; orphan; kill "$r" 2>/dev/null; exit 0' TERM HUP INT
wait "$j"
code=$?
echo "exit $code"
kill "$r" 2>/dev/null
exit 0
`;

export interface JvmProcessOptions {
  java: string;
  args: string[];
  logFile: string;
  cwd: string;
  /** A folder to remove should this process die while the JVM runs (see GUARD). */
  orphanDir?: string;
}

/** One guarded JVM. `exited` settles when the JVM is gone. */
export class JvmProcess {
  readonly exited: Promise<number>;
  readonly pidKnown: Promise<number>;
  private readonly guard: ChildProcess;
  private exitCode: number | undefined;
  pid: number | undefined;

  constructor(opts: JvmProcessOptions) {
    fs.appendFileSync(opts.logFile, '');
    this.guard = spawn('/bin/sh', ['-c', GUARD, 'zk-guard', opts.java, ...opts.args], {
      cwd: opts.cwd,
      env: { ...process.env, ZKR_LOG: opts.logFile, ZKR_ORPHAN_DIR: opts.orphanDir ?? '' },
      // stderr ignored: the shell reports 'Killed' there; the JVM's output goes to the log file.
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    // The guard must not keep the test process alive; the pipe still closes when we exit.
    this.guard.unref();
    const stdin = this.guard.stdin as unknown as { unref?: () => void } | null;
    stdin?.unref?.();
    const stdout = this.guard.stdout!;
    (stdout as unknown as { unref?: () => void }).unref?.();
    this.guard.stdin!.on('error', () => undefined);
    let onPid!: (pid: number) => void;
    this.pidKnown = new Promise((res) => (onPid = res));
    this.exited = new Promise((resolve) => {
      const lines = readline.createInterface({ input: stdout });
      lines.on('line', (line) => {
        const [word, value] = line.split(' ');
        if (word === 'pid') {
          this.pid = Number(value);
          onPid(this.pid);
        } else if (word === 'exit') {
          this.exitCode = Number(value);
          resolve(this.exitCode);
        }
      });
      this.guard.once('exit', () => resolve(this.exitCode ?? -1));
    });
  }

  get alive(): boolean {
    return this.exitCode === undefined && this.guard.exitCode === null;
  }

  private send(cmd: 'term' | 'kill'): void {
    if (this.guard.stdin?.writable) this.guard.stdin.write(`${cmd}\n`);
  }

  /** Asks the JVM to shut down (SIGTERM); kills it if it is still there after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    this.send('term');
    const timer = setTimeout(() => this.send('kill'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.guard.stdin?.end();
  }

  /** Kills the JVM at once (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.send('kill');
    // The guard's pipes are unref'd; this timer keeps the event loop alive while we wait.
    const keepAlive = setTimeout(() => undefined, 30_000);
    await this.exited;
    clearTimeout(keepAlive);
    this.guard.stdin?.end();
  }
}
