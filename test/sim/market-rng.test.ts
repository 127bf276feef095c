import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Rng, rngStream, streamKey } from '../../src/sim/market/rng.ts';

const draw = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.nextU32());

test('same (seed, labels) gives the same stream; any change gives another', () => {
  assert.deepEqual(draw(rngStream(42, 'oracle', 'xyz:GOLD'), 50), draw(rngStream(42, 'oracle', 'xyz:GOLD'), 50));
  const base = draw(rngStream(42, 'oracle', 'xyz:GOLD'), 8);
  assert.notDeepEqual(draw(rngStream(43, 'oracle', 'xyz:GOLD'), 8), base);
  assert.notDeepEqual(draw(rngStream(42, 'oracle', 'xyz:SILVER'), 8), base);
  assert.notDeepEqual(draw(rngStream(42, 'maker', 'xyz:GOLD'), 8), base);
  assert.notDeepEqual(draw(rngStream(42, 'oracle', 'xyz:GOLD', 0), 8), base);
  // seeds beyond 32 bits are not folded onto small ones
  assert.notEqual(streamKey(2 ** 32 + 5, []), streamKey(5, []));
});

test('stream keys do not collide over many seeds and labels', () => {
  const keys = new Set<number>();
  for (let seed = 0; seed < 500; seed++) for (const label of ['a', 'b', 'oracle', 'maker']) keys.add(streamKey(seed, [label]));
  assert.equal(keys.size, 2000);
});

test('a stream is reproduced by a separate process (deterministic across runs)', () => {
  const rngUrl = new URL('../../src/sim/market/rng.ts', import.meta.url).href;
  const script = `import { rngStream } from ${JSON.stringify(rngUrl)};
const r = rngStream(12345, 'oracle-path', 'xyz:XYZ100');
console.log(JSON.stringify([r.nextU32(), r.nextU32(), r.normal(), r.exponential(2), r.poisson(4), r.float()]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const r = rngStream(12345, 'oracle-path', 'xyz:XYZ100');
  assert.deepEqual(JSON.parse(out), [r.nextU32(), r.nextU32(), r.normal(), r.exponential(2), r.poisson(4), r.float()]);
});

test('float() is in [0, 1) and uniform enough; normal, exponential, Poisson have the right moments', () => {
  const r = rngStream(7, 'moments');
  const n = 200_000;
  let fs = 0;
  let ns = 0;
  let ns2 = 0;
  let es = 0;
  let ps = 0;
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    buckets[Math.floor(f * 10)]!++;
    fs += f;
    const z = r.normal();
    ns += z;
    ns2 += z * z;
    es += r.exponential(3);
    ps += r.poisson(2.5);
  }
  assert.ok(Math.abs(fs / n - 0.5) < 0.005);
  for (const b of buckets) assert.ok(Math.abs(b / n - 0.1) < 0.005, `bucket ${b}`);
  assert.ok(Math.abs(ns / n) < 0.01);
  assert.ok(Math.abs(ns2 / n - 1) < 0.02);
  assert.ok(Math.abs(es / n - 3) < 0.05);
  assert.ok(Math.abs(ps / n - 2.5) < 0.03);
  let big = 0;
  for (let i = 0; i < 20_000; i++) big += r.poisson(100);
  assert.ok(Math.abs(big / 20_000 - 100) < 0.5);
  assert.equal(r.poisson(0), 0);
});

test('int(n) stays in range and lognormal has the requested median (property over seeds)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
      const r = rngStream(seed, 'int');
      for (let i = 0; i < 200; i++) {
        const k = r.int(n);
        if (!(Number.isInteger(k) && k >= 0 && k < n)) return false;
      }
      return true;
    }),
  );
  const r = rngStream(3, 'lognormal');
  const xs = Array.from({ length: 20_001 }, () => r.lognormal(300, 0.6)).sort((a, b) => a - b);
  assert.ok(Math.abs(xs[10_000]! / 300 - 1) < 0.03);
});
