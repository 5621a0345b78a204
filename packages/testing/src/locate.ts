import fs from 'node:fs';
import path from 'node:path';
import { ZooKeeperNotFoundError } from './errors.js';

/** Where the ZooKeeper server's classes are, as a Java class path. */
export interface ZooKeeperInstall {
  classPath: string;
  java: string;
  /** Where the install was found, for messages. */
  source: string;
}

/** The Debian package `zookeeper` puts this jar here; its manifest names its dependencies. */
const DEBIAN_JAR = '/usr/share/java/zookeeper.jar';
/** slf4j binding so the server writes a readable log (Debian ships slf4j without one). */
const DEBIAN_SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';

// Said to a user of the published package, who has none of the repository's scripts.
const HOW_TO_INSTALL =
  'Install one: `apt-get install zookeeper` (Debian/Ubuntu; it brings Java), or download an ' +
  'Apache ZooKeeper binary release (apache-zookeeper-<version>-bin.tar.gz, ' +
  'https://zookeeper.apache.org/releases.html), unpack it, install Java 11+ and set ' +
  'ZOOKEEPER_HOME to the unpacked folder.';

/** Where {@link locateZooKeeper} looks; for tests of the lookup itself. */
export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  debianJar?: string;
}

function jarsIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => path.join(dir, f));
}

function findJava(env: NodeJS.ProcessEnv): string {
  if (env.JAVA_HOME) {
    const j = path.join(env.JAVA_HOME, 'bin', 'java');
    if (fs.existsSync(j)) return j;
  }
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const j = path.join(dir, 'java');
    if (fs.existsSync(j)) return j;
  }
  throw new ZooKeeperNotFoundError(
    `No Java runtime was found (JAVA_HOME, PATH). ${HOW_TO_INSTALL}`,
  );
}

/**
 * Finds a ZooKeeper server: `ZOOKEEPER_HOME` first (a binary release: `lib/*.jar` and the
 * top-level jar), then the Debian package. Throws {@link ZooKeeperNotFoundError} naming how to
 * install it otherwise.
 */
export function locateZooKeeper(options: LocateOptions = {}): ZooKeeperInstall {
  const env = options.env ?? process.env;
  const home = env.ZOOKEEPER_HOME;
  if (home) {
    const jars = [...jarsIn(home), ...jarsIn(path.join(home, 'lib'))];
    if (!jars.some((j) => /zookeeper-\d.*\.jar$|zookeeper\.jar$/.test(path.basename(j)))) {
      throw new ZooKeeperNotFoundError(
        `ZOOKEEPER_HOME is ${home}, but no zookeeper jar is in it or in its lib/. ${HOW_TO_INSTALL}`,
      );
    }
    return { classPath: jars.join(path.delimiter), java: findJava(env), source: home };
  }
  const debianJar = options.debianJar ?? DEBIAN_JAR;
  if (fs.existsSync(debianJar)) {
    const cp = [debianJar];
    if (fs.existsSync(DEBIAN_SLF4J_SIMPLE)) cp.push(DEBIAN_SLF4J_SIMPLE);
    return { classPath: cp.join(path.delimiter), java: findJava(env), source: debianJar };
  }
  throw new ZooKeeperNotFoundError(
    `No ZooKeeper server was found (ZOOKEEPER_HOME is not set and ${debianJar} is missing). ${HOW_TO_INSTALL}`,
  );
}
