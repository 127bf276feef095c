import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isValidPrice, isValidSize } from '../../src/protocol/index.ts';
import { defaultMarketTuning, type MarketTuning } from '../../src/core/config.ts';
import { entryBoundPx, exitSlippageBps, liquidityFactor, sizeEntry, takerLimitPx } from '../../src/core/sizing.ts';

const tuning = (over: Partial<MarketTuning> = {}): MarketTuning => ({ ...defaultMarketTuning, ...over });

test('liquidity factor: 0 at/below min, 1 at/above normal, linear between', () => {
  assert.equal(liquidityFactor(50, 50, 5000), 0);
  assert.equal(liquidityFactor(10, 50, 5000), 0);
  assert.equal(liquidityFactor(5000, 50, 5000), 1);
  assert.equal(liquidityFactor(9000, 50, 5000), 1);
  assert.ok(Math.abs(liquidityFactor(2525, 50, 5000) - 0.5) < 1e-12);
});

test('size = touch size × alpha × liquidity factor, capped by max notional', () => {
  const t = tuning({ sizingAlpha: 0.1, maxOrderNotionalUsd: 1000, minOrderNotionalUsd: 11, normalBookNotionalUsd: 5000, minBookNotionalUsd: 50 });
  const r = sizeEntry(100, 200, 100, 100.05, 2, t, 1); // book $20k → factor 1 → 20 lots of… 20 × 100 = $2000 > cap 1000
  assert.ok(r.ok);
  assert.equal(r.size, '9.99', 'cap 1000 / max(mark, limit) = 9.995 → truncated');
  const r2 = sizeEntry(100, 30, 100, 100.05, 2, t, 1); // book $3000 → factor (3000−50)/4950
  assert.ok(r2.ok);
  assert.equal(r2.size, String(Math.floor(30 * 0.1 * ((3000 - 50) / 4950) * 100) / 100));
});

test('incident #25 / latent defect L15: the min-notional floor applies AFTER every multiplier', () => {
  const t = tuning({ sizingAlpha: 0.1, maxOrderNotionalUsd: 50, minOrderNotionalUsd: 11 });
  // alpha size 0.06 × 100 = $6, then × 0.5 (spread-shock multiplier) = $3: raised to the floor
  const r = sizeEntry(100, 600 / 100, 100, 100.05, 2, { ...t, minBookNotionalUsd: 0, normalBookNotionalUsd: 600 }, 0.5);
  assert.ok(r.ok);
  assert.ok(Number(r.size) * 100 >= 11, `notional ${Number(r.size) * 100}`);
});

test('incident #29: a sub-lot size never reaches the wire; rounding down under the floor rounds UP a lot', () => {
  const t = tuning({ sizingAlpha: 0.1, maxOrderNotionalUsd: 50, minOrderNotionalUsd: 11 });
  // price 1234.5, szDecimals 3: floor 11 / 1234.5 = 0.00891 → 0.008 after truncation is under the floor → 0.009
  const r = sizeEntry(1234.5, 0.05, 1234.5, 1235, 3, { ...t, minBookNotionalUsd: 0 }, 1);
  assert.ok(r.ok);
  assert.equal(r.size, '0.009');
  assert.ok(isValidSize(r.size, 3));
  assert.ok(Number(r.size) * 1234.5 >= 11);
});

test('incident #33: when one lot already exceeds the cap, no order (rather than an order over the cap)', () => {
  const t = tuning({ maxOrderNotionalUsd: 12, minOrderNotionalUsd: 11, minBookNotionalUsd: 0 });
  // szDecimals 0 at price 10: floor needs 2 lots = $20 > cap $12
  const r = sizeEntry(10, 1000, 10, 10.01, 0, t, 1);
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.reason, 'BelowMinAfterCaps');
});

test('incident #21: the cap is applied at max(mark, limit), so the executor check at mark cannot be exceeded', () => {
  const t = tuning({ sizingAlpha: 1, maxOrderNotionalUsd: 50, minOrderNotionalUsd: 11, minBookNotionalUsd: 0 });
  const mark = 101.5;
  const r = sizeEntry(100, 1000, mark, 100.05, 2, t, 1);
  assert.ok(r.ok);
  assert.ok(Number(r.size) * mark <= 50, `${r.size} × ${mark}`);
});

test('thin book: liquidity factor 0 means no trade', () => {
  const r = sizeEntry(100, 0.4, 100, 100.05, 2, tuning({ minBookNotionalUsd: 50 }), 1);
  assert.equal(r.ok, false);
});

test('IOC limit price: most aggressive valid price within the allowance, never inside the touch', () => {
  // buy: touch 100.02, bound 100.07 → 100.07 (5 significant figures)
  assert.equal(takerLimitPx(true, 100.02, 100.07, 2), '100.07');
  // bound not on the grid: rounded toward the touch (never beyond the allowance)
  assert.equal(takerLimitPx(true, 100.02, 100.0789, 2), '100.07');
  // sell: touch 99.98, bound 99.93 → 99.93
  assert.equal(takerLimitPx(false, 99.98, 99.9312, 2), '99.932');
  // allowance smaller than a tick: the touch itself
  assert.equal(takerLimitPx(true, 100.02, 100.024, 2), '100.02');
  // a touch off the grid is rounded away from the touch, if still within the allowance
  assert.equal(takerLimitPx(true, 12345.67, 12350, 0), '12350');
  assert.equal(takerLimitPx(true, 12345.67, 12345.9, 0), null, 'rounding the touch up would exceed the allowance');
  // bound on the wrong side of the touch: no price
  assert.equal(takerLimitPx(true, 100, 99, 2), null);
  for (const [isBuy, touch, bound, d] of [
    [true, 0.012345, 0.0124, 1],
    [false, 0.012345, 0.0122, 1],
    [true, 2345.6, 2350, 3],
    [false, 87.654, 87.2, 2],
  ] as const) {
    const s = takerLimitPx(isBuy, touch, bound, d);
    assert.ok(s !== null && isValidPrice(s, d, 'perp'), `${s}`);
    const n = Number(s);
    assert.ok(isBuy ? n >= touch && n <= bound : n <= touch && n >= bound, `${s} vs touch ${touch} bound ${bound}`);
  }
});

test('entry bound: touch plus allowance, never past the price that keeps the minimum net edge', () => {
  const t = tuning({ entrySlippageBps: 5, takerFeeBps: 4.5, minNetEdgeBps: 8 });
  assert.ok(Math.abs(entryBoundPx(true, 100, 110, t) - 100.05) < 1e-9);
  // fair 100.1: keep 17 bps → 99.9298 < touch × 1.0005
  assert.ok(Math.abs(entryBoundPx(true, 100, 100.1, t) - 100.1 * (1 - 0.0017)) < 1e-9);
  assert.ok(Math.abs(entryBoundPx(false, 100, 90, t) - 99.95) < 1e-9);
});

test('exit allowance widens per attempt up to its cap', () => {
  const t = tuning({ exitSlippageBps: 30, exitSlippageStepBps: 30, exitSlippageMaxBps: 100 });
  assert.deepEqual([0, 1, 2, 3, 9].map((a) => exitSlippageBps(t, a)), [30, 60, 90, 100, 100]);
});

test('property: taker limit prices are valid wire prices, cross the touch, and stay within the allowance', () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.double({ min: 0.001, max: 200_000, noNaN: true }),
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 5 }),
      (isBuy, touchRaw, slipBps, d) => {
        const touch = Number(touchRaw.toPrecision(5));
        if (!(touch > 0)) return;
        const bound = isBuy ? touch * (1 + slipBps / 1e4) : touch * (1 - slipBps / 1e4);
        let s: string | null;
        try {
          s = takerLimitPx(isBuy, touch, bound, d);
        } catch {
          return; // prices the grid cannot express at all (below one tick) are refused by formatPrice
        }
        if (s === null) return;
        assert.ok(isValidPrice(s, d, 'perp'), s);
        const n = Number(s);
        if (isBuy) assert.ok(n >= touch && n <= bound * (1 + 1e-12), `${s} ${touch} ${bound}`);
        else assert.ok(n <= touch && n >= bound * (1 - 1e-12), `${s} ${touch} ${bound}`);
      },
    ),
    { numRuns: 3000, seed: 99 },
  );
});

test('property: entry sizes are valid lots, at least the minimum notional and at most the cap — or no order', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.01, max: 50_000, noNaN: true }),
      fc.double({ min: 0.0001, max: 10_000, noNaN: true }),
      fc.integer({ min: 0, max: 5 }),
      fc.double({ min: 0.1, max: 1, noNaN: true }),
      (px, touchSz, d, mult) => {
        const t = tuning({ maxOrderNotionalUsd: 50, minOrderNotionalUsd: 11, minBookNotionalUsd: 20, normalBookNotionalUsd: 5000 });
        const limit = px * 1.0005;
        const mark = px * 1.001;
        const r = sizeEntry(px, touchSz, mark, limit, d, t, mult);
        if (!r.ok) return;
        assert.ok(isValidSize(r.size, d), r.size);
        const n = Number(r.size);
        assert.ok(n * Math.min(mark, limit) >= 11 * (1 - 1e-9), `floor: ${r.size} × ${px}`);
        assert.ok(n * Math.max(mark, limit) <= 50 * (1 + 1e-9), `cap: ${r.size} × ${px}`);
      },
    ),
    { numRuns: 3000, seed: 98 },
  );
});
