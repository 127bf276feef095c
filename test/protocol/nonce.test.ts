// NonceSource: strictly increasing ≈ wall-clock ms, clock steps backwards, restarts above everything a
// previous run issued (also after a crash and with the clock stepped back), and store writes off the per-nonce path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NonceError, NonceSource, type NonceStore } from '../../src/protocol/nonce.ts';

/** An in-memory NonceStore that records what was written and what was synced (crash = lose unsynced? no: keep written). */
class MemoryStore implements NonceStore {
  written: number | undefined;
  synced: number | undefined;
  writes = 0;
  syncs = 0;
  failSync = false;
  constructor(initial?: number) {
    this.written = this.synced = initial;
  }
  load() {
    return this.written;
  }
  write(v: number) {
    this.written = v;
    this.writes++;
  }
  syncNow() {
    if (this.failSync) throw new Error('EIO');
    this.synced = this.written;
    this.syncs++;
  }
  sync() {
    const target = this.written;
    return Promise.resolve().then(() => {
      if (this.failSync) throw new Error('EIO');
      if (target !== undefined && (this.synced === undefined || target > this.synced)) this.synced = target;
      this.syncs++;
    });
  }
  close() {}
}


test('many calls in the same millisecond get consecutive, strictly increasing nonces', () => {
  const src = new NonceSource({ now: () => 1_700_000_000_000 });
  const seen: number[] = [];
  for (let i = 0; i < 10_000; i++) seen.push(src.next());
  assert.equal(seen[0], 1_700_000_000_000);
  for (let i = 1; i < seen.length; i++) assert.equal(seen[i], seen[i - 1] + 1);
  assert.equal(src.last, seen.at(-1));
});

test('nonces follow the clock when it advances and never go back when it steps back', () => {
  let now = 5_000_000;
  const src = new NonceSource({ now: () => now });
  assert.equal(src.next(), 5_000_000);
  now += 250;
  assert.equal(src.next(), 5_000_250);
  now -= 10_000; // NTP step backwards
  assert.equal(src.next(), 5_000_251);
  assert.equal(src.next(), 5_000_252);
  now += 20_000;
  assert.equal(src.next(), 5_010_250);
});

test('concurrent async callers in one process never share a nonce', async () => {
  const src = new NonceSource({ now: () => 1_000 });
  const all = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const mine: number[] = [];
      for (let i = 0; i < 20; i++) {
        mine.push(src.next());
        await Promise.resolve();
      }
      return mine;
    }),
  );
  const flat = all.flat();
  assert.equal(new Set(flat).size, flat.length);
});

test('property: strictly increasing, and the synced mark covers every issued nonce, for any clock path', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -100_000, max: 100_000 }), fc.constant(0)), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 2, max: 50_000 }),
      async (steps, reserveMs) => {
        let now = 1_000_000;
        const store = new MemoryStore();
        const src = new NonceSource({ now: () => now, store, reserveMs });
        let prev = -1;
        for (const step of steps) {
          now = Math.max(0, now + step);
          const n = src.next();
          assert.ok(n > prev);
          assert.ok(n >= now, 'never behind the clock');
          assert.ok(store.synced !== undefined && store.synced >= n, `synced ${store.synced} < ${n}`);
          prev = n;
          if (step === 0) await Promise.resolve(); // let background syncs run sometimes
        }
        await src.close();
      },
    ),
    { numRuns: 200, seed: 42 },
  );
});

test('the store is written once per reserveMs/2 of nonce progress, not per nonce', async () => {
  let now = 1_700_000_000_000;
  const store = new MemoryStore();
  const src = new NonceSource({ now: () => now, store, reserveMs: 10_000 });
  const first = src.next();
  for (let i = 0; i < 100_000; i++) {
    src.next();
    if (i % 2 === 0) now += 3; // the clock leads: nonces track it (~150 s)
    if (i % 1000 === 0) await Promise.resolve();
  }
  const span = src.last - first;
  assert.ok(span >= 140_000 && span <= 160_000, `span ${span}`);
  const expected = span / 5_000;
  assert.ok(store.writes <= expected + 2 && store.writes >= expected - 2, `${store.writes} writes for ${span} ms`);
  assert.ok(store.syncs <= store.writes + 1, 'at most one sync per write');
  await src.close();
});

test('a failed background sync makes the next extension sync synchronously (and surface a still-failing disk)', async () => {
  let now = 1_000_000;
  const store = new MemoryStore();
  const src = new NonceSource({ now: () => now, store, reserveMs: 100 });
  src.next();
  store.failSync = true;
  now += 60; // crosses the low-water mark: background sync, which fails
  src.next();
  await new Promise((r) => setImmediate(r));
  now += 60;
  assert.throws(() => src.next(), /EIO/);
  store.failSync = false;
  const n = src.next();
  assert.ok(store.synced! >= n);
  await src.close();
  assert.throws(() => src.next(), NonceError);
});

test('invalid clocks and options are rejected', () => {
  assert.throws(() => new NonceSource({ now: () => Number.NaN }), NonceError);
  assert.throws(() => new NonceSource({ now: () => 1.5 }), NonceError);
  assert.throws(() => new NonceSource({ reserveMs: 0 }), NonceError);
});
