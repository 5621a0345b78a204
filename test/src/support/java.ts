// The Java programs under test/java (Curator peers for interoperability tests), compiled by
// @zk-recipes/testing against the Debian Curator and ZooKeeper jars.
import { fileURLToPath } from 'node:url';
import { compileCuratorProgram } from '@zk-recipes/testing';

const sources = fileURLToPath(new URL('../../java/', import.meta.url));

/** The class path (compiled classes plus jars) to run test/java/<name>.java with `java -cp`. */
export function compiledJava(name: string, jars?: readonly string[]): string {
  return compileCuratorProgram(`${sources}${name}.java`, jars ? { jars } : {});
}
