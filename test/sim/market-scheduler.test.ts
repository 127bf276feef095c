import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realTimeScheduler, VirtualScheduler } from '../../src/sim/market/scheduler.ts';

test('VirtualScheduler runs due timers in (time, creation) order and only within advance()', () => {
  const s = new VirtualScheduler(1000);
  const log: string[] = [];
  s.setTimeout(() => log.push(`b@${s.now()}`), 20);
  s.setTimeout(() => log.push(`a@${s.now()}`), 10);
  s.setTimeout(() => log.push(`c@${s.now()}`), 20);
  s.setTimeout(() => log.push(`zero@${s.now()}`), 0);
  assert.deepEqual(log, []);
  s.advance(15);
  assert.deepEqual(log, ['zero@1000', 'a@1010']);
  assert.equal(s.now(), 1015);
  s.advance(5);
  assert.deepEqual(log, ['zero@1000', 'a@1010', 'b@1020', 'c@1020']);
  assert.equal(s.pendingTimers(), 0);
});

test('timers created while advancing run in the same advance() when due inside the window', () => {
  const s = new VirtualScheduler(0);
  const times: number[] = [];
  const tick = (): void => {
    times.push(s.now());
    if (times.length < 5) s.setTimeout(tick, 100);
  };
  s.setTimeout(tick, 100);
  s.advance(350);
  assert.deepEqual(times, [100, 200, 300]);
  assert.equal(s.now(), 350);
  s.advance(1000);
  assert.deepEqual(times, [100, 200, 300, 400, 500]);
});

test('clearTimeout cancels; clearing twice or after running is harmless', () => {
  const s = new VirtualScheduler(0);
  let ran = 0;
  const a = s.setTimeout(() => ran++, 10);
  const b = s.setTimeout(() => ran++, 20);
  s.clearTimeout(a);
  s.clearTimeout(a);
  assert.equal(s.pendingTimers(), 1);
  s.advance(30);
  s.clearTimeout(b);
  assert.equal(ran, 1);
  assert.equal(s.pendingTimers(), 0);
  assert.throws(() => s.advance(-1), RangeError);
});

test('realTimeScheduler fires and clears node timers', async () => {
  const s = realTimeScheduler();
  assert.ok(Math.abs(s.now() - Date.now()) < 1000);
  let cleared = false;
  const h = s.setTimeout(() => {
    cleared = true;
  }, 1);
  s.clearTimeout(h);
  await new Promise<void>((resolve) => s.setTimeout(resolve, 1));
  assert.equal(cleared, false);
});
