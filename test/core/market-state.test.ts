import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MarketState, TimeEwma } from '../../src/core/market-state.ts';
import { rig, SILVER, GOLD, T0 } from './helpers.ts';

test('TimeEwma: first sample initialises, then weights by elapsed time with the half-life', () => {
  const e = new TimeEwma(1000);
  assert.equal(e.ready, false);
  e.update(10, 0);
  assert.equal(e.value, 10);
  e.update(20, 0); // same instant: nothing has elapsed, value unchanged
  assert.equal(e.value, 10);
  e.update(20, 1000); // 20 was held for one half-life
  assert.ok(Math.abs(e.value - 15) < 1e-9);
  e.update(20, 2000);
  assert.ok(Math.abs(e.value - 17.5) < 1e-9);
  assert.equal(e.coveredMs, 2000);
});

test('latent defect L8: a burst of messages moves the EWMA no more than one message over the same time', () => {
  const a = new TimeEwma(10_000);
  const b = new TimeEwma(10_000);
  a.update(0, 0);
  b.update(0, 0);
  a.update(100, 1);
  b.update(100, 1);
  for (let i = 0; i < 1000; i++) b.update(100, 1); // 1000 messages in the same millisecond
  a.update(100, 501);
  b.update(100, 501);
  assert.equal(a.value, b.value);
  assert.ok(a.value < 5, 'half a second of 100 barely moves a 10 s half-life EWMA');
});

test('MarketState tracks the oracle CHANGE time separately from ctx receipt', () => {
  const m = new MarketState('x', 30_000, 60_000);
  assert.equal(m.onCtx(100, 100, 5, 1, T0), false, 'first oracle is not a move');
  assert.equal(m.oracleAgeMs(T0 + 5), Number.POSITIVE_INFINITY);
  assert.equal(m.onCtx(100, 100, 5, 2, T0 + 3000), false);
  assert.equal(m.ctxLocalMs, T0 + 3000);
  assert.equal(m.onCtx(101, 100.5, 5, 3, T0 + 6000), true);
  assert.equal(m.oracleChangedAtMs, T0 + 6000);
  assert.ok(Math.abs(m.lastOracleMoveBps - 100) < 1e-9);
  assert.equal(m.oracleSeq, 1);
  m.onCtx(101, 100.5, 5, 4, T0 + 9000);
  assert.equal(m.oracleChangedAtMs, T0 + 6000, 'unchanged price keeps the change time');
  assert.equal(m.oracleAgeMs(T0 + 9000), 3000);
});

test('MarketState: one-sided or crossed book is not tradeable', () => {
  const m = new MarketState('x', 30_000, 60_000);
  m.onBbo(0, 0, 101, 5, 1, T0);
  assert.equal(m.hasBbo, false);
  m.onBbo(102, 5, 101, 5, 1, T0);
  assert.equal(m.hasBbo, false);
  m.onBbo(100, 5, 101, 5, 1, T0);
  assert.equal(m.hasBbo, true);
  assert.ok(Math.abs(m.spreadBps() - (1 / 100.5) * 1e4) < 1e-9);
});

test('latent defect L8: spread and basis EWMAs are per market, never blended across markets', () => {
  const r = rig();
  for (let i = 0; i < 20; i++) {
    r.engine.onAssetCtx(SILVER.coin, 100, 100, 1, r.clock.t);
    r.engine.onBbo(SILVER.coin, 99.99, 10, 100.01, 10, r.clock.t); // 2 bps spread
    r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
    r.engine.onBbo(GOLD.coin, 1990, 1, 2010, 1, r.clock.t); // 100 bps spread
    r.clock.advance(1000);
  }
  const s = r.engine.marketView(SILVER.coin);
  const g = r.engine.marketView(GOLD.coin);
  assert.ok(s !== undefined && g !== undefined);
  assert.ok(Math.abs(s.spreadEwmaBps - 2) < 0.01, `silver ${s.spreadEwmaBps}`);
  assert.ok(Math.abs(g.spreadEwmaBps - 100) < 0.01, `gold ${g.spreadEwmaBps}`);
});
