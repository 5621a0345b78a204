// An ES module consumer of the packed packages (NodeNext), skipLibCheck off.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compileConsumer, packAndUnpack, type Unpacked } from './support/tarballs.js';

let u: Unpacked;
before(() => {
  u = packAndUnpack();
});
after(() => u?.remove());

test('a NodeNext ES module consumer typechecks against the tarballs', () => {
  const out = compileConsumer(
    u,
    'esm',
    { name: 'esm-consumer', private: true, type: 'module' },
    {
      module: 'nodenext',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
  );
  assert.equal(out, '');
});
