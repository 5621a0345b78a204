/**
 * Java programs on Apache Curator (interoperability tests, benchmarks), compiled once per
 * source version against the Debian jars (libcurator-recipes-java, zookeeper, a JDK:
 * scripts/setup.sh installs them).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestingError } from './errors.js';

/** The Debian jars a Curator program compiles and runs against. */
export const CURATOR_JARS: readonly string[] = [
  'curator-recipes.jar',
  'curator-framework.jar',
  'curator-client.jar',
  'zookeeper.jar',
  'zookeeper-jute.jar',
  'guava.jar',
  'slf4j-api.jar',
  'slf4j-nop.jar',
].map((j) => `/usr/share/java/${j}`);

/**
 * The extra Debian jars of a program on curator-x-discovery (libcurator-discovery-java, which
 * brings Jackson): pass them to {@link compileCuratorProgram} as `jars`.
 */
export const CURATOR_DISCOVERY_JARS: readonly string[] = [
  'curator-x-discovery.jar',
  'jackson-databind.jar',
  'jackson-core.jar',
  'jackson-annotations.jar',
].map((j) => `/usr/share/java/${j}`);

/**
 * Compiles `source` (a `.java` file whose class has the file's name) into a cache folder keyed
 * by its content, and returns the class path to run it with (`java -cp <it> <Name>`). `jars`:
 * more jars than Curator's own (such as {@link CURATOR_DISCOVERY_JARS}).
 *
 * @example
 * const cp = compileCuratorProgram('test/java/CuratorLockWorker.java');
 * spawn('java', ['-cp', cp, 'CuratorLockWorker', connectString]);
 */
export function compileCuratorProgram(
  source: string,
  options: { jars?: readonly string[] } = {},
): string {
  const jars = [...CURATOR_JARS, ...(options.jars ?? [])];
  const missing = jars.filter((j) => !fs.existsSync(j));
  if (missing.length > 0) {
    throw new TestingError(
      'CURATOR_MISSING',
      `Curator jars missing (${missing.join(', ')}): run scripts/setup.sh`,
    );
  }
  return [compileJava(source, jars), ...jars].join(':');
}

/**
 * Compiles `source` against `jars` into a cache folder keyed by both (the class in package
 * `packageName`, if any) and returns that folder. Internal: compileCuratorProgram, and
 * TestingServer's preset nodes.
 */
export function compileJava(source: string, jars: readonly string[], packageName?: string): string {
  const name = path.basename(source, '.java');
  const hash = createHash('sha1')
    .update(fs.readFileSync(source))
    .update(jars.join(':'))
    .digest('hex')
    .slice(0, 12);
  const out = path.join(os.tmpdir(), `zk-recipes-java-${name}-${hash}`);
  const classFile = path.join(out, ...(packageName?.split('.') ?? []), `${name}.class`);
  if (!fs.existsSync(classFile)) {
    // Compiled beside, then renamed: two processes compiling at once never see half a folder.
    const tmp = `${out}.${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    // -implicit:none: classes javac finds as sources on the class path are not compiled here.
    execFileSync('javac', ['-implicit:none', '-d', tmp, '-cp', jars.join(':'), source], {
      stdio: 'inherit',
    });
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(tmp, out);
  }
  return out;
}
