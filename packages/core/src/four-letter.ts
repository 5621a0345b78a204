/**
 * ZooKeeper's four-letter words (`srvr`, `ruok`, `mntr`, `conf`, ...): plain text over a new TCP
 * connection to the client port, answered and closed by the server. Tools use them to ask a
 * server what it is (version, mode, limits) outside a session. A server answers a word that its
 * `4lw.commands.whitelist` leaves out with a refusal sentence, not an error: see
 * {@link FourLetterWordAnswer.allowed}.
 */
import net from 'node:net';
import { InvalidArgumentError, ZkRecipesError } from './errors.js';
import { parseConnectString } from './connect-string.js';

/** A four-letter word could not be sent or its answer not read (refused port, timeout, reset). */
export class FourLetterWordError extends ZkRecipesError {
  override name = 'FourLetterWordError';
  constructor(
    readonly server: string,
    readonly word: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('FOUR_LETTER_WORD_FAILED', `four-letter word ${word} to ${server}: ${reason}`, options);
  }
}

/** A server's answer to a four-letter word. */
export interface FourLetterWordAnswer {
  /** Whether the server ran the word (false: its whitelist leaves the word out). */
  readonly allowed: boolean;
  /** The answer's text, as the server sent it. */
  readonly text: string;
}

// The server's sentence for a word outside 4lw.commands.whitelist (ZooKeeper 3.5+).
const REFUSED = /is not executed because it is not in the whitelist/;

/**
 * Sends `word` to the server at `server` (`host:port`) and resolves with its answer. Rejects
 * with FourLetterWordError when no answer comes within `timeoutMs` (default 3000) or the
 * connection fails, with the signal's reason on abort, and with InvalidArgumentError for a
 * word that is not four lower-case letters or a bad `host:port`.
 *
 * @example
 * const { allowed, text } = await fourLetterWord('127.0.0.1:2181', 'srvr');
 * if (allowed) console.log(/^Mode: (\w+)/m.exec(text)?.[1]); // standalone, leader, follower
 */
export function fourLetterWord(
  server: string,
  word: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<FourLetterWordAnswer> {
  let host: string;
  let port: number;
  try {
    if (typeof word !== 'string' || !/^[a-z]{4}$/.test(word)) {
      throw new InvalidArgumentError('word', 'word must be four lower-case letters');
    }
    const parsed = parseConnectString(server);
    if (parsed.hosts.length !== 1 || parsed.chroot !== undefined) {
      throw new InvalidArgumentError('server', 'server must be one host:port');
    }
    ({ host, port } = parsed.hosts[0]!);
    const t = options.timeoutMs;
    if (t !== undefined && (!Number.isFinite(t) || t <= 0 || t > 2 ** 31 - 1)) {
      throw new InvalidArgumentError('timeoutMs', 'timeoutMs must be a number of milliseconds > 0');
    }
    options.signal?.throwIfAborted();
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  const { signal, timeoutMs = 3000 } = options;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    const socket = net.connect({ host, port });
    const fail = (e: Error) => {
      failure ??= e;
      socket.destroy();
    };
    const onAbort = () => fail(signal!.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => fail(new FourLetterWordError(server, word, `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('connect', () => socket.end(word));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => fail(new FourLetterWordError(server, word, e.message, { cause: e })));
    socket.on('close', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ allowed: !REFUSED.test(text), text });
    });
  });
}
