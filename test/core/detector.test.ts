import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultMarketTuning, type MarketTuning } from '../../src/core/config.ts';
import { detectorGates, fairPx, modeEdgeBps, rawEdgeBps, relativeEdgeBps, thresholdBps } from '../../src/core/detector.ts';
import { MarketState } from '../../src/core/market-state.ts';
import type { GateVerdict } from '../../src/core/types.ts';
import { oracleJump, ready, rig, SILVER, T0, warm } from './helpers.ts';

const tuning = (over: Partial<MarketTuning> = {}): MarketTuning => ({ ...defaultMarketTuning, ...over });

test('edge formulas: buy = (oracle − ask)/oracle, sell = (bid − oracle)/oracle, in bps', () => {
  assert.ok(Math.abs(rawEdgeBps('buy', 100, 99, 99.5) - 50) < 1e-9);
  assert.ok(Math.abs(rawEdgeBps('sell', 100, 100.3, 100.4) - 30) < 1e-9);
  assert.ok(rawEdgeBps('buy', 100, 99.9, 100.1) < 0, 'a book around the oracle has no edge');
  assert.equal(relativeEdgeBps('buy', 50, -40), 10);
  assert.equal(relativeEdgeBps('sell', 50, 40), 10);
});

test('threshold = taker fee × 2 + slippage allowance + min net edge', () => {
  assert.equal(thresholdBps(tuning({ takerFeeBps: 4.5, entrySlippageBps: 5, minNetEdgeBps: 8 })), 22);
  assert.equal(thresholdBps(tuning({ takerFeeBps: 2, entrySlippageBps: 0, minNetEdgeBps: 0 })), 4);
});

function stateWithBasis(basisBps: number): MarketState {
  const m = new MarketState('x', 30_000, 60_000);
  const mid = 100 * (1 + basisBps / 1e4);
  for (let t = 0; t <= 120_000; t += 1000) {
    m.onCtx(100, 100, 1, t, T0 + t);
    m.onBbo(mid - 0.01, 100, mid + 0.01, 100, t, T0 + t);
  }
  return m;
}

test('incident #43: a market whose book sits permanently 60 bps under the oracle does not trigger in relative mode', () => {
  const m = stateWithBasis(-60);
  const rel = tuning({ edgeMode: 'relativeToBasis' });
  const raw = tuning({ edgeMode: 'raw' });
  assert.ok(modeEdgeBps(m, 'buy', raw) > thresholdBps(raw), 'raw mode sees a permanent "edge" (what sank the original)');
  assert.ok(modeEdgeBps(m, 'buy', rel) < thresholdBps(rel), `relative edge ${modeEdgeBps(m, 'buy', rel)}`);
  assert.ok(Math.abs(fairPx(m, rel) - 99.4) < 0.01, 'fair price follows the basis');
  assert.equal(fairPx(m, raw), 100);
});

test('relative mode: an oracle jump on top of the basis is measured from the basis', () => {
  const m = stateWithBasis(-60);
  const t = tuning({ edgeMode: 'relativeToBasis' });
  m.onCtx(101, 101, 1, 0, T0 + 120_100); // +100 bps, book unchanged
  const e = modeEdgeBps(m, 'buy', t);
  assert.ok(e > 90 && e < 100, `edge ${e}`);
});

test('detector gates: quote-lag window, oracle direction, basis warm-up', () => {
  const m = stateWithBasis(0);
  const t = tuning({ quoteLagMinMs: 30, quoteLagMaxMs: 700, basisWarmupMs: 60_000 });
  m.onCtx(101, 101, 1, 0, T0 + 200_000);
  const at = (dt: number, side: 'buy' | 'sell' = 'buy'): string | null => detectorGates(m, side, t, T0 + 200_000 + dt, []);
  assert.equal(at(10), 'QuoteLagWindow', 'too early: makers have not had time to lag');
  assert.equal(at(30), null);
  assert.equal(at(700), null);
  assert.equal(at(701), 'QuoteLagWindow');
  assert.equal(at(100, 'sell'), 'OracleDirection', 'an oracle move up never justifies a sell');
  const cold = new MarketState('y', 30_000, 60_000);
  cold.onCtx(100, 100, 1, 0, T0);
  cold.onBbo(99, 1, 101, 1, 0, T0);
  cold.onCtx(101, 100, 1, 0, T0 + 1000);
  const out: GateVerdict[] = [];
  assert.equal(detectorGates(cold, 'buy', t, T0 + 1100, out), 'BasisWarmup');
  assert.deepEqual(
    out.map((v) => v.gate),
    ['QuoteLagWindow', 'OracleDirection', 'BasisWarmup'],
  );
});

test('incident #39: no trade on a "stale" oracle move (oracle age beyond the window)', () => {
  const r = rig();
  ready(r);
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(3000);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.sink.batches.length, 0);
  assert.equal(r.rec.signals.at(-1)?.reason, 'QuoteLagWindow');
});

test('incident #36: with the oracle changing every 3 s and bbo at 100/s, direction is still detected', () => {
  const r = rig();
  ready(r);
  warm(r, SILVER.coin, 100);
  // 3 s of 100/s bbo at the old level, then an oracle step; the first bbo 40 ms later must trade
  for (let i = 0; i < 300; i++) {
    r.clock.advance(10);
    r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  }
  oracleJump(r, SILVER.coin, 100, 80);
  for (let i = 0; i < 4; i++) {
    r.clock.advance(10);
    r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  }
  assert.equal(r.sink.orders.length, 1);
  assert.equal(r.sink.orders[0]?.wire.b, true);
});

test('a market is evaluated only on its own events', () => {
  const r = rig();
  ready(r);
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  // events of another market must not evaluate SILVER
  r.engine.onAssetCtx('xyz:GOLD', 2000, 2000, 1, r.clock.t);
  r.engine.onBbo('xyz:GOLD', 1999, 1, 2001, 1, r.clock.t);
  assert.equal(r.rec.signals.filter((s) => s.coin === SILVER.coin && s.reason === 'ok').length, 0);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.rec.signals.filter((s) => s.coin === SILVER.coin && s.reason === 'ok').length, 1);
});
