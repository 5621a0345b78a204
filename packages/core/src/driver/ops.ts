/**
 * The plain operations, built and queued directly on the connection manager (see
 * RawSession.queue for why), with the package's watcher bookkeeping reproduced: a watcher is
 * registered in the reply callback, once the server has accepted the request (index.js
 * getData/exists/getChildren), so that SetWatches re-arms exactly what the server holds and a
 * notification that follows the reply in the same chunk finds it.
 */
import { jute, type NzcAcl, type NzcEvent, type NzcStat } from './nzc.js';
import type { RawSession } from './raw-session.js';
import { NoNodeError } from '../errors.js';
import { DeleteRequest, READ_OP, ReadRequest } from './wire.js';

const T = jute.OP_CODES;
const NONODE = -101;

function request(type: number, payload: Record<string, unknown>, record: string) {
  const header = new jute.protocol.RequestHeader!();
  header.type = type;
  const body = new jute.protocol[record]!();
  Object.assign(body, payload);
  return new jute.Request(header, body);
}

type Watch = ((e: NzcEvent) => void) | undefined;

export async function getData(raw: RawSession, path: string, watch: Watch, timeoutMs?: number) {
  const req = new ReadRequest(READ_OP.getData, path, watch !== undefined);
  const cm = raw.client.connectionManager;
  const r = await raw.queue(path, req, timeoutMs, (err) => {
    if (!err && watch) cm.registerDataWatcher(path, watch);
  });
  return { data: r.payload!.data as Buffer | undefined, stat: r.payload!.stat as NzcStat };
}

export async function exists(raw: RawSession, path: string, watch: Watch, timeoutMs?: number) {
  const req = new ReadRequest(READ_OP.exists, path, watch !== undefined);
  const cm = raw.client.connectionManager;
  try {
    const r = await raw.queue(path, req, timeoutMs, (err) => {
      if (!watch) return;
      if (!err) cm.registerDataWatcher(path, watch);
      // NONODE is an answer here: the server has set an existence watch.
      else if (err.code === NONODE) cm.registerExistenceWatcher(path, watch);
    });
    return r.payload!.stat as NzcStat;
  } catch (e) {
    if (!(e instanceof NoNodeError)) throw e;
    return null;
  }
}

export async function getChildren(raw: RawSession, path: string, watch: Watch, timeoutMs?: number) {
  const req = new ReadRequest(READ_OP.getChildren2, path, watch !== undefined);
  const cm = raw.client.connectionManager;
  const r = await raw.queue(path, req, timeoutMs, (err) => {
    if (!err && watch) cm.registerChildWatcher(path, watch);
  });
  return {
    children: (r.payload!.children as string[] | undefined) ?? [],
    stat: r.payload!.stat as NzcStat,
  };
}

export async function setData(
  raw: RawSession,
  path: string,
  data: Buffer,
  version: number,
  timeoutMs?: number,
) {
  const r = await raw.queue(
    path,
    request(T.SET_DATA!, { path, data, version }, 'SetDataRequest'),
    timeoutMs,
  );
  return r.payload!.stat as NzcStat;
}

export async function remove(raw: RawSession, path: string, version: number, timeoutMs?: number) {
  await raw.queue(path, new DeleteRequest(path, version), timeoutMs);
}

export async function getACL(raw: RawSession, path: string, timeoutMs?: number) {
  const r = await raw.queue(path, request(T.GET_ACL!, { path }, 'GetACLRequest'), timeoutMs);
  // Records here (perms, id.scheme, id.id), not the package's ACL objects (`permission`).
  const acl = (r.payload!.acl as { perms: number; id: { scheme: string; id: string } }[]) ?? [];
  return { acl, stat: r.payload!.stat as NzcStat };
}

export async function setACL(
  raw: RawSession,
  path: string,
  acls: NzcAcl[],
  version: number,
  timeoutMs?: number,
) {
  const acl = acls.map((a) => a.toRecord());
  const r = await raw.queue(
    path,
    request(T.SET_ACL!, { path, acl, version }, 'SetACLRequest'),
    timeoutMs,
  );
  return r.payload!.stat as NzcStat;
}
