/** `get <path>`: the node's data, read in every recipe format that fits; `--raw` for the bytes. */
import type { ZkClient } from '@zk-recipes/core';
import { decodeData, type Decoded } from '../decode/index.js';
import { statJson } from '../inspect.js';
import { jsonText, type Io } from '../io.js';
import { sessionHex } from '../layouts/nodes.js';

function decodedLines(d: Decoded): string[] {
  switch (d.format) {
    case 'queue-items':
      return [
        `queue item frame: ${d.items.length} item(s) (${d.encoding})`,
        ...d.items.map((i) => `  ${JSON.stringify(i)}`),
      ];
    case 'service-instance': {
      const i = d.instance;
      return [
        `service instance: ${i.name}/${i.id} at ${i.address ?? '?'}:${i.port ?? '-'}${i.sslPort !== null ? ` (ssl ${i.sslPort})` : ''}, ${i.serviceType ?? 'no type'}`,
        ...(i.registrationTimeUTC !== null
          ? [`  registered ${new Date(i.registrationTimeUTC).toISOString()}`]
          : []),
        ...(i.uri ? [`  uri ${i.uri}`] : []),
        ...(i.payload !== null ? [`  payload ${JSON.stringify(i.payload)}`] : []),
      ];
    }
    case 'json':
      return [`json: ${JSON.stringify(d.value, null, 2).replace(/\n/g, '\n  ')}`];
    case 'int32':
      return [`int32: ${d.value} (SharedCount, DistributedAtomicInteger)`];
    case 'int64':
      return [`int64: ${d.value} (DistributedAtomicLong)`];
    case 'text':
      return [`text: ${JSON.stringify(d.value)}`];
    case 'bytes':
      return [`bytes (hex): ${d.hex}`];
    case 'empty':
      return ['(no data)'];
  }
}

export async function get(
  client: ZkClient,
  path: string,
  raw: boolean,
  json: boolean,
  io: Io,
): Promise<void> {
  const { data, stat } = await client.getData(path);
  if (raw) {
    io.stdout.write(data);
    return;
  }
  const decoded = decodeData(data);
  if (json) {
    io.stdout.write(
      `${jsonText({ path, stat: statJson(stat), base64: data.toString('base64'), decoded })}\n`,
    );
    return;
  }
  const owner = sessionHex(stat.ephemeralOwner);
  const lines = [
    `${path}  ${owner ? `ephemeral ${owner}` : 'persistent'}  version ${stat.version}  ${stat.dataLength} bytes  modified ${new Date(stat.mtime).toISOString()}`,
  ];
  if (decoded.length > 1)
    lines.push(
      `ambiguous: ${decoded.length} readings fit (${decoded.map((d) => d.format).join(', ')}):`,
    );
  for (const d of decoded) lines.push(...decodedLines(d));
  io.stdout.write(`${lines.join('\n')}\n`);
}
