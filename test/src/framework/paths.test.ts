import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InvalidArgumentError,
  joinPath,
  nodeName,
  parentPath,
  parseSequence,
  sortBySequence,
  splitPath,
} from '@zk-recipes/core';

test('join, split, parent and name follow ZooKeeper path rules', () => {
  assert.equal(joinPath('/a/', 'b', 'c/d'), '/a/b/c/d');
  assert.equal(joinPath(), '/');
  assert.deepEqual(splitPath('/a/b'), ['a', 'b']);
  assert.deepEqual(splitPath('/'), []);
  assert.equal(parentPath('/a/b'), '/a');
  assert.equal(parentPath('/a'), '/');
  assert.equal(parentPath('/'), undefined);
  assert.equal(nodeName('/a/b-1'), 'b-1');
  assert.throws(() => joinPath('a', '..'), InvalidArgumentError);
  assert.throws(() => splitPath('a/b'), InvalidArgumentError);
});

test('sequence suffixes parse across the counter wrapping negative', () => {
  assert.equal(parseSequence('lock-0000000007'), 7);
  assert.equal(parseSequence('lock-2147483647'), 2147483647);
  assert.equal(parseSequence('lock--2147483648'), 2147483648);
  assert.equal(parseSequence('lock--000000001'), 2 ** 32 - 1); // %010d of -1
  assert.equal(parseSequence('lock'), undefined);
  // With the lock name the suffix is exact, even where the name alone is ambiguous.
  assert.equal(parseSequence('lock--1000000000', 'lock-'), 2 ** 32 - 1_000_000_000);
  assert.equal(parseSequence('_c_x-lock-0000000042', 'lock-'), 42);
  assert.equal(parseSequence('latch-0000000001', 'lock-'), undefined);
});

test("contenders sort in Curator's order, and stay in creation order past the wrap", () => {
  const u = (n: string) => `_c_0f8fad5b-d9cb-469f-a165-70867728950${n}-lock-`;
  const names = [`${u('1')}0000000003`, `${u('2')}0000000001`, 'other-node', `${u('3')}0000000002`];
  assert.deepEqual(sortBySequence(names, 'lock-'), [
    `${u('2')}0000000001`,
    `${u('3')}0000000002`,
    `${u('1')}0000000003`,
    'other-node',
  ]);
  // kazoo #606 / #730: after the wrap, Curator's string order would put the newest first.
  const wrapped = [
    'lock--2147483647',
    'lock-2147483646',
    'lock--2147483648',
    'lock-2147483647',
    'lock--000000001',
  ];
  assert.deepEqual(sortBySequence(wrapped, 'lock-'), [
    'lock-2147483646',
    'lock-2147483647',
    'lock--2147483648',
    'lock--2147483647',
    'lock--000000001',
  ]);
});
