// The file-backed nonce store: a restart starts above everything a previous run issued (also after a crash
// and with the clock stepped back); a corrupt file is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { NonceError } from '../../src/protocol/nonce.ts';
import { openFileNonceStore, openNonceSource } from '../../src/store/nonce-file.ts';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'hip3-nonce-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('restart from the file: starts above the previous run even with the clock stepped back an hour', async (t) => {
  const path = join(tempDir(t), 'agent.nonce');
  let now = 1_700_000_000_000;
  const first = openNonceSource(path, { now: () => now });
  let lastOfFirst = 0;
  for (let i = 0; i < 50_000; i++) lastOfFirst = first.next(); // many in the same ms: runs ahead of the clock
  await first.close();
  assert.match(readFileSync(path, 'latin1'), /^\d{20}\n$/);
  now -= 3_600_000;
  const second = openNonceSource(path, { now: () => now });
  assert.ok(second.next() > lastOfFirst);
  await second.close();
});

test('restart after a crash (no close, background sync possibly pending) never reuses a nonce', async (t) => {
  const path = join(tempDir(t), 'agent.nonce');
  let now = 1_700_000_000_000;
  const crashed = openNonceSource(path, { now: () => now, reserveMs: 1_000 });
  let last = 0;
  for (let i = 0; i < 5_000; i++) {
    last = crashed.next();
    now += i % 2; // 2.5 s of clock: several reservations
  }
  // Simulated crash: the instance is abandoned; a new run reads the same file while the clock is behind.
  const next = openNonceSource(path, { now: () => now - 60_000 });
  assert.ok(next.next() > last);
  await next.close();
  await crashed.close();
});

test('a fresh file starts at the clock; a corrupt file is refused instead of guessed', async (t) => {
  const dir = tempDir(t);
  const src = openNonceSource(join(dir, 'fresh.nonce'), { now: () => 123_456 });
  assert.equal(src.next(), 123_456);
  await src.close();
  const bad = join(dir, 'bad.nonce');
  writeFileSync(bad, 'not a number\n');
  assert.throws(() => openNonceSource(bad), NonceError);
  const legacy = join(dir, 'short.nonce');
  writeFileSync(legacy, '999\n');
  const store = openFileNonceStore(legacy);
  assert.equal(store.load(), 999);
  store.write(1_000);
  assert.equal(store.load(), 1_000);
  store.close();
});

