/**
 * The plain operations, built and queued directly on the connection manager (see
 * RawSession.queue for why), with the package's watcher bookkeeping reproduced: a watcher is
 * registered in the reply callback, once the server has accepted the request (index.js
 * getData/exists/getChildren), so that SetWatches re-arms exactly what the server holds and a
 * notification that follows the reply in the same chunk finds it. They take and return core's
 * types (Stat, Acl); the conversions are the driver's (./stat.ts, ./acls.ts).
 */
import { jute } from './nzc.js';
import type { RawSession } from './raw-session.js';
import { NoNodeError } from '../errors.js';
import type { Acl, Stat } from '../types.js';
import { fromAclRecords, packageAcls } from './acls.js';
import { OpCode } from './opcodes.js';
import { statOf } from './stat.js';
import type { WatchFn } from './watchers.js';
import { DeleteRequest, READ_OP, ReadRequest } from './wire.js';

const NONODE = -101;

function request(type: number, payload: Record<string, unknown>, record: string) {
  const header = new jute.protocol.RequestHeader!();
  header.type = type;
  const body = new jute.protocol[record]!();
  Object.assign(body, payload);
  return new jute.Request(header, body);
}

type Watch = WatchFn | undefined;

export async function getData(raw: RawSession, path: string, watch: Watch, timeoutMs?: number) {
  const req = new ReadRequest(READ_OP.getData, path, watch !== undefined);
  const r = await raw.queue(path, req, timeoutMs, (err) => {
    if (!err && watch) raw.watches.register('data', path, watch);
  });
  return { data: r.payload!.data as Buffer | undefined, stat: statOf(r.payload!.stat) };
}

export async function exists(raw: RawSession, path: string, watch: Watch, timeoutMs?: number) {
  const req = new ReadRequest(READ_OP.exists, path, watch !== undefined);
  try {
    const r = await raw.queue(path, req, timeoutMs, (err) => {
      if (!watch) return;
      if (!err) raw.watches.register('data', path, watch);
      // NONODE is an answer here: the server has set an existence watch.
      else if (err.code === NONODE) raw.watches.register('exist', path, watch);
    });
    return statOf(r.payload!.stat);
  } catch (e) {
    if (!(e instanceof NoNodeError)) throw e;
    return null;
  }
}

export async function getChildren(raw: RawSession, path: string, watch: Watch, timeoutMs?: number) {
  const req = new ReadRequest(READ_OP.getChildren2, path, watch !== undefined);
  const r = await raw.queue(path, req, timeoutMs, (err) => {
    if (!err && watch) raw.watches.register('child', path, watch);
  });
  return {
    children: (r.payload!.children as string[] | undefined) ?? [],
    stat: statOf(r.payload!.stat),
  };
}

export async function setData(
  raw: RawSession,
  path: string,
  data: Buffer,
  version: number,
  timeoutMs?: number,
): Promise<Stat> {
  const r = await raw.queue(
    path,
    request(OpCode.setData, { path, data, version }, 'SetDataRequest'),
    timeoutMs,
  );
  return statOf(r.payload!.stat);
}

export async function remove(raw: RawSession, path: string, version: number, timeoutMs?: number) {
  await raw.queue(path, new DeleteRequest(path, version), timeoutMs);
}

export async function getACL(
  raw: RawSession,
  path: string,
  timeoutMs?: number,
): Promise<{ acl: Acl[]; stat: Stat }> {
  const r = await raw.queue(path, request(OpCode.getACL, { path }, 'GetACLRequest'), timeoutMs);
  // Records here (perms, id.scheme, id.id), not the package's ACL objects (`permission`).
  const acl = (r.payload!.acl as { perms: number; id: { scheme: string; id: string } }[]) ?? [];
  return { acl: fromAclRecords(acl), stat: statOf(r.payload!.stat) };
}

export async function setACL(
  raw: RawSession,
  path: string,
  acls: readonly Acl[],
  version: number,
  timeoutMs?: number,
): Promise<Stat> {
  const acl = packageAcls(acls).map((a) => a.toRecord());
  const r = await raw.queue(
    path,
    request(OpCode.setACL, { path, acl, version }, 'SetACLRequest'),
    timeoutMs,
  );
  return statOf(r.payload!.stat);
}
