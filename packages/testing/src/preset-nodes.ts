/**
 * A TestingServer whose nodes start at chosen versions (`presetNodes`): ZooKeeper's standalone
 * server run by java/PresetNodesServer.java, which makes the nodes through a real session, sets
 * their versions in the server's data tree and snapshots it before it says it is ready.
 */
import { fileURLToPath } from 'node:url';
import { compileJava } from './curator-java.js';
import { TestingError } from './errors.js';
import type { ZooKeeperInstall } from './locate.js';
import type { ServerProgram } from './server-config.js';

/** A persistent node a server holds from its start, at a version of our choosing. */
export interface PresetNode {
  /** Its path (missing parents are made, persistent). */
  path: string;
  /** Its data; default empty. */
  data?: Buffer;
  /** Its version: any Java int (e.g. 2147483640, a few writes from the wrap). */
  version: number;
}

const SOURCE = fileURLToPath(new URL('../java/PresetNodesServer.java', import.meta.url));
const PACKAGE = 'org.apache.zookeeper.server';

/** The program that runs a server with `nodes` in place (checked first). */
export function presetProgram(
  install: ZooKeeperInstall,
  nodes: readonly PresetNode[],
): ServerProgram {
  const args: string[] = [];
  for (const n of nodes) {
    if (!/^\/[^\0]*[^/]$/.test(n.path) || n.path.includes('//')) {
      throw new TestingError('BAD_PRESET', `presetNodes: ${n.path} is not a node path`);
    }
    if (!(Number.isInteger(n.version) && n.version >= -0x80000000 && n.version <= 0x7fffffff)) {
      throw new TestingError('BAD_PRESET', `presetNodes: ${n.version} is not a Java int`);
    }
    args.push(n.path, String(n.version), (n.data ?? Buffer.alloc(0)).toString('hex'));
  }
  return {
    classPath: [compileJava(SOURCE, install.classPath.split(':'), PACKAGE)],
    mainClass: `${PACKAGE}.PresetNodesServer`,
    args,
    jvmOptions: ['-Dzookeeper.digest.enabled=false'],
    readyLine: 'zkr-preset-nodes-ready',
  };
}
