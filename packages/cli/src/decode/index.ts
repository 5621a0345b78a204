/**
 * What a node's bytes can be read as, in the formats the recipes write. Every reading that
 * fits is returned: four bytes are an int32 counter and may also be text, and the tool says so
 * rather than choosing.
 */
import { COUNTER_BYTES } from '@zk-recipes/atomic';
import { decodeInstance, type ServiceInstanceView } from './instance.js';
import { decodeItemFrame } from './item-frame.js';

/** One way to read a node's data. */
export type Decoded =
  | { format: 'queue-items'; items: string[]; encoding: 'utf8' | 'base64' }
  | { format: 'service-instance'; instance: ServiceInstanceView }
  | { format: 'json'; value: unknown }
  | { format: 'int32'; value: number }
  | { format: 'int64'; value: string }
  | { format: 'text'; value: string }
  | { format: 'bytes'; hex: string }
  | { format: 'empty' };

/** Whether the bytes are UTF-8 text a terminal can show (no control characters but tab and newlines). */
export function isPrintable(data: Buffer): boolean {
  const s = data.toString('utf8');
  if (s.includes('\uFFFD')) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return false;
  }
  return true;
}

/** The items as UTF-8 when every one is printable, else base64. */
function items(list: Buffer[]): Decoded {
  const utf8 = list.every(isPrintable);
  return {
    format: 'queue-items',
    items: list.map((b) => b.toString(utf8 ? 'utf8' : 'base64')),
    encoding: utf8 ? 'utf8' : 'base64',
  };
}

function parseJson(data: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (!isPrintable(data)) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(data.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/**
 * Every reading of `data` that fits, most specific first: a queue item frame, a service
 * instance, JSON, a big-endian int32 (4 bytes: SharedCount, DistributedAtomicInteger) or int64
 * (8 bytes: DistributedAtomicLong), text; raw bytes when nothing else fits.
 *
 * @example
 * decodeData(Buffer.from([0, 0, 0, 43])); // [{ format: 'int32', value: 43 }]
 */
export function decodeData(data: Buffer): Decoded[] {
  if (data.length === 0) return [{ format: 'empty' }];
  const frame = decodeItemFrame(data);
  if (frame) return [items(frame)];
  const instance = decodeInstance(data);
  if (instance) return [{ format: 'service-instance', instance }];
  const out: Decoded[] = [];
  const json = parseJson(data);
  if (json.ok) out.push({ format: 'json', value: json.value });
  if (data.length === COUNTER_BYTES.int32)
    out.push({ format: 'int32', value: data.readInt32BE(0) });
  if (data.length === COUNTER_BYTES.int64)
    out.push({ format: 'int64', value: data.readBigInt64BE(0).toString() });
  if (!json.ok && isPrintable(data)) out.push({ format: 'text', value: data.toString('utf8') });
  if (out.length === 0) out.push({ format: 'bytes', hex: data.toString('hex') });
  return out;
}

export { decodeInstance, decodeItemFrame, type ServiceInstanceView };
