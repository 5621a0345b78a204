// fourLetterWord(): a server's answer to a four-letter word, and whether its whitelist allows
// the word, with typed errors for bad arguments and for no answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fourLetterWord, FourLetterWordError, InvalidArgumentError } from '@zk-recipes/core';
import { refusedPort } from '../support/core-helpers.js';
import { sharedServer } from '../support/shared-server.js';

// srvr is the server's own readiness check; mntr is left out of the whitelist.
const server = sharedServer({ extraConfig: { '4lw.commands.whitelist': 'srvr,ruok' } });

test('fourLetterWord: an allowed word answers, a word outside the whitelist is reported as refused', async () => {
  const srvr = await fourLetterWord(server.connectString, 'srvr');
  assert.equal(srvr.allowed, true);
  assert.match(srvr.text, /^Zookeeper version: 3\./m);
  assert.match(srvr.text, /^Mode: standalone$/m);
  assert.deepEqual(await fourLetterWord(server.connectString, 'ruok'), {
    allowed: true,
    text: 'imok',
  });
  const mntr = await fourLetterWord(server.connectString, 'mntr');
  assert.equal(mntr.allowed, false);
  assert.match(mntr.text, /mntr is not executed because it is not in the whitelist/);
});

test('fourLetterWord: bad arguments are refused before connecting; no server is a FourLetterWordError', async () => {
  for (const [server_, word] of [
    [server.connectString, 'SRVR'],
    [server.connectString, 'stats'],
    ['127.0.0.1:2181,127.0.0.1:2182', 'srvr'],
    ['127.0.0.1:2181/chroot', 'srvr'],
    ['nohost', 'srvr'],
  ] as const) {
    await assert.rejects(fourLetterWord(server_, word), InvalidArgumentError, `${server_} ${word}`);
  }
  const port = await refusedPort();
  await assert.rejects(fourLetterWord(`127.0.0.1:${port}`, 'srvr'), (e: unknown) => {
    assert.ok(e instanceof FourLetterWordError);
    assert.equal(e.code, 'FOUR_LETTER_WORD_FAILED');
    assert.match(e.message, /ECONNREFUSED/);
    return true;
  });
  const aborted = AbortSignal.abort(new Error('stop'));
  await assert.rejects(fourLetterWord(server.connectString, 'srvr', { signal: aborted }), /stop/);
});
