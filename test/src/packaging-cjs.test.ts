// A CommonJS consumer of the packed packages, compiled with what TypeScript 5 does by default
// for "module": "commonjs" (no esModuleInterop, node10 resolution; 6.0 deprecates two of
// these) and skipLibCheck off: default imports in declarations, zod's declarations and a
// subpath export without typesVersions all failed here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compileConsumer, packAndUnpack, type Unpacked } from './support/tarballs.js';

let u: Unpacked;
before(() => {
  u = packAndUnpack();
});
after(() => u?.remove());

test('a CommonJS consumer without esModuleInterop typechecks against the tarballs', () => {
  const out = compileConsumer(
    u,
    'cjs',
    { name: 'cjs-consumer', private: true },
    {
      module: 'commonjs',
      moduleResolution: 'node10',
      esModuleInterop: false,
      allowSyntheticDefaultImports: false,
      ignoreDeprecations: '6.0',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
  );
  assert.equal(out, '');
});
