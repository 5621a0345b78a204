// Compiles the Java programs under test/java (Curator peers for interoperability tests) once
// per source version, with the Debian Curator and ZooKeeper jars. scripts/setup.sh installs
// them (libcurator-recipes-java, a JDK).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const JARS = [
  'curator-recipes.jar',
  'curator-framework.jar',
  'curator-client.jar',
  'zookeeper.jar',
  'guava.jar',
  'slf4j-api.jar',
  'slf4j-nop.jar',
].map((j) => `/usr/share/java/${j}`);

const sources = fileURLToPath(new URL('../../java/', import.meta.url));

/** The class path (compiled classes plus jars) to run `name` with `java -cp`. */
export function compiledJava(name: string): string {
  const missing = JARS.filter((j) => !fs.existsSync(j));
  if (missing.length > 0) {
    throw new Error(`Curator jars missing (${missing.join(', ')}): run scripts/setup.sh`);
  }
  const src = path.join(sources, `${name}.java`);
  const hash = createHash('sha1').update(fs.readFileSync(src)).digest('hex').slice(0, 12);
  const out = path.join(os.tmpdir(), `zk-recipes-java-${name}-${hash}`);
  if (!fs.existsSync(path.join(out, `${name}.class`))) {
    const tmp = `${out}.${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    execFileSync('javac', ['-d', tmp, '-cp', JARS.join(':'), src], { stdio: 'inherit' });
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(tmp, out);
  }
  return [out, ...JARS].join(':');
}
