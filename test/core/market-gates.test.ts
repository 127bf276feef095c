import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultMarketTuning, type MarketTuning, parseHhMm, validateCoreConfig, defaultCoreConfig } from '../../src/core/config.ts';
import { compileBlackouts, inBlackout, marketGates } from '../../src/core/market-gates.ts';
import { MarketState } from '../../src/core/market-state.ts';
import type { GateVerdict, MarketSpec } from '../../src/core/types.ts';
import { oracleJump, ready, rig, SILVER, T0, warm } from './helpers.ts';

const spec: MarketSpec = { coin: 'x', assetId: 110000, szDecimals: 2 };
const tuning = (over: Partial<MarketTuning> = {}): MarketTuning => ({ ...defaultMarketTuning, ...over });

function calm(): MarketState {
  const m = new MarketState('x', 30_000, 60_000);
  for (let t = 0; t <= 60_000; t += 1000) {
    m.onCtx(100, 100, 10, t, T0 + t);
    m.onBbo(99.99, 100, 100.01, 100, t, T0 + t);
  }
  return m;
}

function gate(m: MarketState, t: MarketTuning, nowMs: number, s: MarketSpec = spec, windows = compileBlackouts([])): { first: string | null; mult: number; out: GateVerdict[] } {
  const out: GateVerdict[] = [];
  const r = marketGates(m, s, 'buy', t, windows, nowMs, out);
  return { first: r.first, mult: r.sizeMultiplier, out };
}

test('all market gates pass on a calm, fresh market', () => {
  const r = gate(calm(), tuning(), T0 + 60_000);
  assert.equal(r.first, null);
  assert.equal(r.mult, 1);
  assert.deepEqual(
    r.out.map((v) => v.gate),
    ['MarketEnabled', 'FeedHealthy', 'TradingHalt', 'ParamChange', 'BboAge', 'CtxAge', 'TimeRegression', 'SpreadShock', 'MarkMidDivergence', 'Blackout', 'MinBookNotional'],
  );
});

test('bbo age and ctx age gates (0 disables)', () => {
  const m = calm();
  assert.equal(gate(m, tuning({ maxBboAgeMs: 5000, maxCtxAgeMs: 0 }), T0 + 66_000).first, 'BboAge');
  assert.equal(gate(m, tuning({ maxBboAgeMs: 0, maxCtxAgeMs: 8000 }), T0 + 69_000).first, 'CtxAge');
  assert.equal(gate(m, tuning({ maxBboAgeMs: 0, maxCtxAgeMs: 0 }), T0 + 600_000).first, null);
});

test('incident #3: a constant oracle with regular ctx messages never blocks (receipt age, not change age)', () => {
  const m = new MarketState('x', 30_000, 60_000);
  for (let t = 0; t <= 700_000; t += 3000) {
    m.onCtx(100, 100, 10, t, T0 + t); // same price for ~12 minutes
    m.onBbo(99.99, 100, 100.01, 100, t, T0 + t);
  }
  assert.ok(m.oracleAgeMs(T0 + 700_000) > 8000);
  assert.equal(gate(m, tuning({ maxCtxAgeMs: 8000 }), T0 + 700_000).first, null);
});

test('spread shock against the market\'s own spread EWMA: reduce band then block (L7: the reduction is applied)', () => {
  const m = calm(); // 2 bps EWMA
  m.onBbo(99.96, 100, 100.04, 100, 0, T0 + 60_001); // 8 bps: > 3× → reduce
  let r = gate(m, tuning({ spreadShockMultiplier: 6, spreadShockReduceMultiplier: 3, spreadShockSizeFactor: 0.5 }), T0 + 60_001);
  assert.equal(r.first, null);
  assert.equal(r.mult, 0.5);
  m.onBbo(99.9, 100, 100.1, 100, 0, T0 + 60_002); // 20 bps: > 6× → block
  r = gate(m, tuning({ spreadShockMultiplier: 6 }), T0 + 60_002);
  assert.equal(r.first, 'SpreadShock');
});

test('latent defect L7: mark–mid divergence, OI-cap proximity, halt, param change, health and enabled all really block', () => {
  const m = calm();
  m.onCtx(100, 104, 10, 0, T0 + 60_001); // mark 4% from mid
  assert.equal(gate(m, tuning({ maxMarkMidDivergenceBps: 300 }), T0 + 60_001).first, 'MarkMidDivergence');
  const m2 = calm();
  assert.equal(gate(m2, tuning({ oiCapProximity: 0.95 }), T0 + 60_000, { ...spec, oiCapUsd: 2000 }).first, null, 'OI $1000 vs 95% of $2000');
  m2.onCtx(100, 100, 19.2, 0, T0 + 60_000);
  assert.equal(gate(m2, tuning({ oiCapProximity: 0.95 }), T0 + 60_000, { ...spec, oiCapUsd: 2000 }).first, 'OiCapProximity');
  assert.equal(gate(m2, tuning(), T0 + 60_000).first, null, 'no cap known: the gate is inert');
  const m3 = calm();
  m3.halted = true;
  assert.equal(gate(m3, tuning(), T0 + 60_000).first, 'TradingHalt');
  assert.equal(gate(calm(), tuning(), T0 + 60_000, { ...spec, halted: true }).first, 'TradingHalt');
  const m4 = calm();
  m4.paramChanged = true;
  assert.equal(gate(m4, tuning(), T0 + 60_000).first, 'ParamChange');
  const m5 = calm();
  m5.healthy = false;
  assert.equal(gate(m5, tuning(), T0 + 60_000).first, 'FeedHealthy');
  assert.equal(gate(calm(), tuning({ enabled: false }), T0 + 60_000).first, 'MarketEnabled');
});

test('min book notional on the side we take', () => {
  const m = new MarketState('x', 30_000, 60_000);
  m.onCtx(100, 100, 10, 0, T0);
  m.onBbo(99.99, 100, 100.01, 0.3, 0, T0); // ask side $30
  assert.equal(gate(m, tuning({ minBookNotionalUsd: 50, maxBboAgeMs: 0 }), T0).first, 'MinBookNotional');
});

test('UTC blackout windows: half-open, midnight wrap', () => {
  const w = compileBlackouts([
    { start: '09:00', end: '09:15' },
    { start: '23:50', end: '00:10' },
  ]);
  const at = (hh: number, mm: number): boolean => inBlackout(w, Date.UTC(2026, 1, 10, hh, mm, 30));
  assert.equal(at(8, 59), false);
  assert.equal(at(9, 0), true);
  assert.equal(at(9, 14), true);
  assert.equal(at(9, 15), false);
  assert.equal(at(23, 55), true);
  assert.equal(at(0, 5), true);
  assert.equal(at(0, 10), false);
  assert.equal(parseHhMm('14:25'), 865);
  assert.throws(() => parseHhMm('25:00'));
});

test('incident #41: entries inside a blackout window are blocked (pre-open 14:25–14:40 UTC)', () => {
  const r = rig({ blackoutWindowsUtc: [{ start: '14:25', end: '14:40' }] });
  r.clock.t = Date.UTC(2026, 1, 10, 14, 20, 0);
  ready(r);
  warm(r, SILVER.coin, 100); // ends at 14:20:12
  r.clock.t = Date.UTC(2026, 1, 10, 14, 28, 0);
  r.engine.onAssetCtx(SILVER.coin, 100, 100, 1000, r.clock.t);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.sink.batches.length, 0);
  assert.equal(r.rec.signals.at(-1)?.reason, 'Blackout');
});

test('latent defect L7: a parameter change blocks entries until the operator accepts it', () => {
  const r = rig();
  ready(r);
  warm(r, SILVER.coin, 100);
  r.engine.setParamChanged(SILVER.coin);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.sink.batches.length, 0);
  assert.equal(r.rec.signals.at(-1)?.reason, 'ParamChange');
  r.engine.acceptParamChange(SILVER.coin);
  r.clock.advance(10);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.sink.orders.length, 1);
});

test('incident #33: config validation rejects caps below the exchange minimum', () => {
  assert.deepEqual(validateCoreConfig(defaultCoreConfig), []);
  const bad = validateCoreConfig({ ...defaultCoreConfig, maxOrderNotionalUsd: 1.97 });
  assert.ok(bad.some((e) => e.includes('maxOrderNotionalUsd')));
  assert.ok(validateCoreConfig({ ...defaultCoreConfig, minOrderNotionalUsd: 5 }).length > 0);
  assert.ok(validateCoreConfig({ ...defaultCoreConfig, markets: { 'xyz:A': { maxPositionNotionalUsd: 3 } } }).some((e) => e.includes('xyz:A')));
});

test('latent defect L7: TimeRegression — a bbo older (venue time) than one already seen blocks until a newer one', () => {
  const m = calm(); // bbo venue times 0…60 000
  assert.equal(gate(m, tuning(), T0 + 60_000).first, null);
  m.onBbo(99.99, 100, 100.01, 100, 59_000, T0 + 60_010); // out of order: a lagging connection's frame
  const r = gate(m, tuning(), T0 + 60_010);
  assert.equal(r.first, 'TimeRegression');
  assert.deepEqual(r.out.find((v) => v.gate === 'TimeRegression'), { gate: 'TimeRegression', pass: false, value: 59_000, limit: 60_000 });
  m.onBbo(99.99, 100, 100.01, 100, 60_000, T0 + 60_020); // same time as the newest: not a regression
  assert.equal(gate(m, tuning(), T0 + 60_020).first, null);
  m.onBbo(99.99, 100, 100.01, 100, 0, T0 + 60_030); // venue time unknown: nothing to compare
  assert.equal(gate(m, tuning(), T0 + 60_030).first, null);
});
