/**
 * The connect string, parsed and checked when the client is made. node-zookeeper-client's own
 * parser checks nothing: a port out of range reached `net.connect` inside a timer and crashed
 * the process (ERR_SOCKET_BAD_PORT), a space after a comma became part of a host name (that
 * host was never reached), and `[::1]:2181` is split at every `:`. What reaches the package is
 * the normalized string this module returns.
 */
import { isIPv4 } from 'node:net';
import { InvalidArgumentError } from './errors.js';
import { checkPath } from './paths.js';

export interface ConnectString {
  hosts: { host: string; port: number }[];
  /** The chroot (`/app`), or undefined. */
  chroot: string | undefined;
  /** `h1:1,h2:2/app`: hosts trimmed, a lone `/` dropped. */
  normalized: string;
}

const LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const DOTTED_NUMBERS = /^[0-9.]+$/;

function invalid(s: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(
    'connectString',
    `invalid connectString ${JSON.stringify(s)}: ${why} (expected host:port[,host:port...][/chroot])`,
  );
}

function checkHost(s: string, host: string): void {
  if (host.startsWith('[') || host.includes(':')) {
    // node-zookeeper-client 1.1.3 splits each entry at every ':' (ConnectionStringParser.js).
    throw invalid(s, `IPv6 address ${host} is not supported: give a host name or an IPv4 address`);
  }
  if (DOTTED_NUMBERS.test(host)) {
    if (!isIPv4(host)) throw invalid(s, `${host} is not an IPv4 address`);
    return;
  }
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) {
    throw invalid(s, `${JSON.stringify(host)} is not a host name`);
  }
}

function parseEntry(s: string, entry: string): { host: string; port: number } {
  const e = entry.trim();
  if (e === '') throw invalid(s, 'an empty host entry');
  const colon = e.lastIndexOf(':');
  if (colon < 0) throw invalid(s, `${JSON.stringify(e)} has no port`);
  const host = e.slice(0, colon).trim();
  const portText = e.slice(colon + 1).trim();
  checkHost(s, host);
  if (!/^\d{1,5}$/.test(portText)) throw invalid(s, `port ${JSON.stringify(portText)} of ${host}`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw invalid(s, `port ${port} of ${host} is not in 1..65535`);
  return { host, port };
}

/** Parses `host:port[,host:port...][/chroot]`; throws InvalidArgumentError (`connectString`). */
export function parseConnectString(s: unknown): ConnectString {
  if (typeof s !== 'string' || s.trim() === '') {
    throw new InvalidArgumentError('connectString', 'connectString must be a non-empty string');
  }
  const text = s.trim();
  const slash = text.indexOf('/');
  const hostList = slash < 0 ? text : text.slice(0, slash);
  let chroot = slash < 0 ? undefined : text.slice(slash);
  if (chroot === '/') chroot = undefined; // the root: no chroot, as ZooKeeper's Java client reads it
  if (chroot !== undefined) {
    try {
      checkPath(chroot, false);
    } catch (e) {
      throw invalid(s, `chroot: ${(e as Error).message}`);
    }
  }
  const hosts = hostList.split(',').map((entry) => parseEntry(s, entry));
  const normalized = hosts.map((h) => `${h.host}:${h.port}`).join(',') + (chroot ?? '');
  return { hosts, chroot, normalized };
}
