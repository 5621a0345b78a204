// Sets the counter ZooKeeper names sequential children after (the parent's persisted cversion),
// so a test can reach its 32-bit limit without 2^31 creates. The server takes a snapshot when
// it starts; this stops it, rewrites the parent's counter in the newest snapshot (and the
// snapshot's Adler-32 seal), drops the digest that follows the seal (a server reads a snapshot
// without one as an older one), and starts it again from that snapshot.
//
// Snapshot layout (ZooKeeper's FileSnap, jute encoding, big-endian): header (magic "ZKSN",
// version, dbid); sessions (count, then id and timeout each); the ACL cache (count, then id and
// a vector of ACLs each); nodes (path, then data, acl id and StatPersisted each) up to the path
// "/"; the seal (Adler-32 of everything before it, and "/"); then optionally a digest and a
// second seal.
import fs from 'node:fs';
import path from 'node:path';
import type { TestingServer } from '@zk-recipes/testing';

function adler32(buf: Buffer): bigint {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return BigInt(((b << 16) | a) >>> 0);
}

/** Rewrites `node`'s child counter in one snapshot file. */
export function patchSnapshot(file: string, node: string, counter: number): void {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 4) !== 'ZKSN') throw new Error(`${file} is not a snapshot`);
  let o = 16;
  const int = () => ((o += 4), buf.readInt32BE(o - 4));
  const skipLong = () => (o += 8);
  const str = () => {
    const n = int();
    if (n < 0) return undefined;
    o += n;
    return buf.toString('utf8', o - n, o);
  };
  for (let n = int(); n > 0; n--) {
    skipLong(); // session id
    int(); // its timeout
  }
  for (let n = int(); n > 0; n--) {
    skipLong(); // ACL list id
    for (let k = int(); k > 0; k--) {
      int(); // perms
      str(); // scheme
      str(); // id
    }
  }
  let at: number | undefined;
  for (;;) {
    const p = str();
    if (p === '/') break;
    const dataLength = int(); // (read before `o +=` reads o)
    o += Math.max(0, dataLength);
    skipLong(); // acl id
    // StatPersisted: czxid, mzxid, ctime, mtime (long), version, cversion, aversion (int),
    // ephemeralOwner, pzxid (long).
    if (p === node) at = o + 4 * 8 + 4;
    o += 4 * 8 + 3 * 4 + 2 * 8;
  }
  if (at === undefined) throw new Error(`${node} is not in ${file}`);
  const seal = o;
  if (buf.readBigInt64BE(seal) !== adler32(buf.subarray(0, seal))) {
    throw new Error(`${file}: unexpected layout (the seal does not match)`);
  }
  buf.writeInt32BE(counter, at);
  buf.writeBigInt64BE(adler32(buf.subarray(0, seal)), seal);
  fs.writeFileSync(file, buf.subarray(0, seal + 8 + 4 + 1));
}

/**
 * Sets the child counter of the persistent node `node` on a standalone server: the next
 * sequential child is named with `counter`. Restarts the server (clients reconnect).
 */
export async function setChildCounter(
  server: TestingServer,
  node: string,
  counter: number,
): Promise<void> {
  await server.restart(); // its startup snapshot holds `node`
  await server.stop();
  const dir = path.join(server.dir, 'data', 'version-2');
  const zxid = (f: string) => BigInt(`0x${f.slice('snapshot.'.length)}`);
  const newest = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('snapshot.'))
    .sort((a, b) => (zxid(a) < zxid(b) ? 1 : -1))[0];
  if (!newest) throw new Error(`no snapshot in ${dir}`);
  patchSnapshot(path.join(dir, newest), node, counter);
  await server.restart();
}
