// The action-hashing msgpack encoder must produce exactly the venue's bytes. Oracles: @msgpack/msgpack v3 with
// ignoreUndefined (byte-identical to Python msgpack on the 22 sample values of the protocol doc), the msgpack
// spec's byte layouts, and every action in the signing vectors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { encodeMsgpack, MsgpackEncodeError, MsgpackWriter } from '../../src/protocol/msgpack.ts';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/hyperliquid/signing_vectors.json', import.meta.url), 'utf8')) as {
  kind: string;
  action: unknown;
}[];

const reference = (v: unknown) => encode(v, { ignoreUndefined: true });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('integer boundaries encode in the smallest form, like @msgpack/msgpack and Python', () => {
  const values = [
    0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 1234567890123, 100000000000, 1e15, Number.MAX_SAFE_INTEGER,
    -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, Number.MIN_SAFE_INTEGER,
  ];
  for (const v of values) assert.equal(hex(encodeMsgpack(v)), hex(reference(v)), `value ${v}`);
  // Spot checks against the spec layout.
  assert.equal(hex(encodeMsgpack(2 ** 32)), 'cf0000000100000000');
  assert.equal(hex(encodeMsgpack(100000000000)), 'cf000000174876e800');
  assert.equal(hex(encodeMsgpack(-33)), 'd0df');
  assert.equal(hex(encodeMsgpack(-0)), '00');
});

test('strings, booleans, null, arrays and maps at every header-size boundary', () => {
  const values: unknown[] = [
    '', 'a', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(65535), 'x'.repeat(65536),
    'é', '日本語の文字列', '🙂 emoji', `0x${'0'.repeat(31)}1`,
    true, false, null,
    [], Array.from({ length: 15 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 70000 }, () => 1),
    {}, Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])), Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])),
    Object.fromEntries(Array.from({ length: 70000 }, (_, i) => [`k${i}`, i])),
    { nested: { deeper: [{ a: 1, b: [true, null, 'x'] }] } },
  ];
  for (const v of values) assert.equal(hex(encodeMsgpack(v)), hex(reference(v)));
  assert.equal(hex(encodeMsgpack(`0x${'0'.repeat(32)}`)), hex(reference(`0x${'0'.repeat(32)}`)));
  assert.equal(encodeMsgpack(`0x${'0'.repeat(32)}`)[0], 0xd9, 'a 34-char cloid uses str8');
});

test('keys holding undefined are left out (a nil key would change the hash); null keys stay', () => {
  assert.equal(hex(encodeMsgpack({ a: undefined })), '80');
  assert.equal(hex(encodeMsgpack({ type: 'scheduleCancel', time: undefined })), hex(reference({ type: 'scheduleCancel' })));
  assert.equal(hex(encodeMsgpack({ a: null })), '81a161c0');
  assert.notEqual(hex(encodeMsgpack({ a: null })), hex(encodeMsgpack({})));
});

test('map keys are encoded in insertion order', () => {
  assert.notEqual(hex(encodeMsgpack({ a: 1, b: 2 })), hex(encodeMsgpack({ b: 2, a: 1 })));
  assert.equal(hex(encodeMsgpack({ b: 2, a: 1 })), '82a16202a16101');
});

test('every action in the signing vectors encodes exactly as @msgpack/msgpack does', () => {
  let n = 0;
  for (const v of vectors) {
    if (v.action === null || typeof v.action !== 'object') continue;
    assert.equal(hex(encodeMsgpack(v.action)), hex(reference(v.action)), v.kind);
    n++;
  }
  assert.ok(n >= 60, `only ${n} actions`);
});

test('property: JSON-like values with safe integers match @msgpack/msgpack byte for byte', () => {
  const leaf = fc.oneof(
    fc.maxSafeInteger(),
    fc.integer({ min: -(2 ** 31) - 5, max: 2 ** 32 + 5 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('node'), { maxLength: 20 }),
    object: fc.dictionary(fc.string({ maxLength: 8 }), fc.option(tie('node'), { nil: undefined }), { maxKeys: 20 }),
  })).node;
  fc.assert(
    fc.property(value, (v) => hex(encodeMsgpack(v)) === hex(reference(v))),
    { numRuns: 500, seed: 20260401 },
  );
});

test('bigints use the smallest integer form (as Python ints); ≥ 2^32 equals the uint64 of the same number', () => {
  assert.equal(hex(encodeMsgpack(5n)), '05');
  assert.equal(hex(encodeMsgpack(-40n)), 'd0d8');
  assert.equal(hex(encodeMsgpack(1000000000000000n)), hex(reference(1e15)));
  assert.equal(hex(encodeMsgpack(12312312312300000000n)), `cf${(12312312312300000000n).toString(16).padStart(16, '0')}`);
  assert.equal(hex(encodeMsgpack(-(2n ** 63n))), 'd38000000000000000');
  assert.throws(() => encodeMsgpack(2n ** 64n), MsgpackEncodeError);
  assert.throws(() => encodeMsgpack(-(2n ** 63n) - 1n), MsgpackEncodeError);
});

test('values an action can never contain are rejected, not silently encoded', () => {
  for (const bad of [1.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 53), 1e20]) {
    assert.throws(() => encodeMsgpack({ p: bad }), MsgpackEncodeError, String(bad));
  }
  assert.throws(() => encodeMsgpack([1, undefined]), MsgpackEncodeError);
  assert.throws(() => encodeMsgpack(new Date(0)), MsgpackEncodeError);
  assert.throws(() => encodeMsgpack(new Map()), MsgpackEncodeError);
  assert.throws(() => encodeMsgpack(() => 1), MsgpackEncodeError);
  assert.throws(() => encodeMsgpack(Symbol('x')), MsgpackEncodeError);
  assert.throws(() => encodeMsgpack(undefined), MsgpackEncodeError);
  type Deep = { d?: Deep };
  const deep: Deep = {};
  let cur = deep;
  for (let i = 0; i < 100; i++) cur = cur.d = {};
  assert.throws(() => encodeMsgpack(deep), MsgpackEncodeError);
});

test('a reused writer grows past its initial size and resets cleanly', () => {
  const w = new MsgpackWriter(4);
  const big = { s: 'y'.repeat(5000), n: [1, 2, 3] };
  w.writeValue(big);
  assert.equal(hex(w.written()), hex(reference(big)));
  w.reset();
  w.writeValue({ a: 1 });
  assert.equal(hex(w.written()), '81a16101');
  w.reset();
  w.writeU64BE(2 ** 40 + 7);
  w.writeU8(0xff);
  assert.equal(hex(w.written()), '0000010000000007ff');
});

test('Uint8Array values are msgpack bin, as in @msgpack/msgpack', () => {
  for (const n of [0, 5, 255, 256, 70000]) {
    const b = new Uint8Array(n).fill(7);
    assert.equal(hex(encodeMsgpack({ b })), hex(reference({ b })));
  }
});

test('null-prototype objects are plain maps', () => {
  const o = Object.create(null) as Record<string, unknown>;
  o.type = 'noop';
  assert.equal(hex(encodeMsgpack(o)), hex(reference({ type: 'noop' })));
});
