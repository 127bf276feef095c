import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isValidPrice, isValidSize } from '../../src/protocol/format.ts';
import { buildLadder, MIN_AGENT_NOTIONAL_USD } from '../../src/sim/market/maker.ts';
import { minSizeFor, priceToWire, snapPrice, stepPrice, tickSize } from '../../src/sim/market/prices.ts';

const szdArb = fc.integer({ min: 0, max: 5 });
/** [price, szDecimals] with the price in [lo, hi] and at least `ticks` of the smallest representable price (10^-(6-d)), so no run is skipped. */
const pxWithSzd = (lo: number, hi: number, ticks: number): fc.Arbitrary<[number, number]> =>
  szdArb.chain((d) => fc.tuple(fc.double({ min: Math.max(lo, ticks * 10 ** -(6 - d)), max: hi, noNaN: true }), fc.constant(d)));

test('snapPrice lands on the venue grid in the requested direction, within one tick', () => {
  fc.assert(
    fc.property(pxWithSzd(1e-4, 2e5, 1), fc.constantFrom('down', 'up', 'nearest' as const), ([px, d], r) => {
      const s = snapPrice(px, d, r);
      const ok = isValidPrice(priceToWire(s, d), d, 'perp');
      const tick = tickSize(px, d);
      const dirOk = r === 'down' ? s <= px * (1 + 1e-12) : r === 'up' ? s >= px * (1 - 1e-12) : true;
      return ok && dirOk && Math.abs(s - px) <= tick * 1.000001 + 1e-12;
    }),
  );
});

test('stepPrice moves to the adjacent valid price, also across powers of ten', () => {
  assert.equal(stepPrice(100, 2, -1), 99.999);
  assert.equal(stepPrice(99.999, 2, 1), 100);
  assert.equal(stepPrice(100, 2, 1), 100.01);
  assert.equal(stepPrice(77605, 5, 1), 77606);
  assert.equal(stepPrice(1.1642, 1, -2), 1.164);
  fc.assert(
    // 100 ticks clear of the smallest representable price
    fc.property(pxWithSzd(0.01, 1e5, 100), fc.integer({ min: -5, max: 5 }), ([raw, d], k) => {
      const px = snapPrice(raw, d, 'nearest');
      const q = stepPrice(px, d, k);
      if (!isValidPrice(priceToWire(q, d), d, 'perp')) return false;
      if (k === 0) return q === px;
      // no valid price is skipped: one step back returns to where we came from
      return k > 0 ? q > px && stepPrice(stepPrice(px, d, 1), d, -1) === px : q < px;
    }),
  );
});

test('minSizeFor meets the notional with a lot-aligned size', () => {
  fc.assert(
    fc.property(fc.double({ min: 0.01, max: 2e5, noNaN: true }), szdArb, (px, d) => {
      const sz = minSizeFor(px, d, MIN_AGENT_NOTIONAL_USD);
      return sz * px >= MIN_AGENT_NOTIONAL_USD * (1 - 1e-9) && isValidSize(String(sz), d) && (sz - 10 ** -d) * px < MIN_AGENT_NOTIONAL_USD;
    }),
  );
});

test('buildLadder: valid strictly monotone levels, ≥ 11 USDC each, behind the opposite touch for Alo', () => {
  fc.assert(
    fc.property(
      pxWithSzd(0.05, 1e5, 100),
      fc.integer({ min: 1, max: 8 }),
      fc.double({ min: 0, max: 100, noNaN: true }),
      fc.double({ min: 0, max: 50, noNaN: true }),
      fc.double({ min: -300, max: 300, noNaN: true }),
      ([center, d], levels, top, spacing, othersOffsetBps) => {
        // another maker's stale quote around a shifted centre
        const oc = center * (1 + othersOffsetBps / 1e4);
        const others = { bid: { px: snapPrice(oc * 0.9995, d, 'down'), sz: 1 }, ask: { px: snapPrice(oc * 1.0005, d, 'up'), sz: 1 } };
        const orders = buildLadder({
          coin: 'X',
          szDecimals: d,
          centerPx: center,
          levels,
          topHalfSpreadBps: top,
          levelSpacingBps: spacing,
          levelNotionalUsd: 500,
          sizeFactors: Array.from({ length: 2 * levels }, () => 0.8),
          tif: 'Alo',
          others,
        });
        const bids = orders.filter((o) => o.isBuy).map((o) => Number(o.px));
        const asks = orders.filter((o) => !o.isBuy).map((o) => Number(o.px));
        if (bids.length !== levels || asks.length !== levels) return false;
        for (const o of orders) {
          if (!isValidPrice(o.px, d, 'perp') || !isValidSize(o.sz, d) || o.tif !== 'Alo') return false;
          if (Number(o.px) * Number(o.sz) < MIN_AGENT_NOTIONAL_USD - 1e-9) return false;
        }
        for (let i = 1; i < levels; i++) if (!(bids[i]! < bids[i - 1]! && asks[i]! > asks[i - 1]!)) return false;
        return bids[0]! < asks[0]! && bids[0]! < others.ask.px && asks[0]! > others.bid.px;
      },
    ),
  );
});

test('buildLadder centres the book: symmetric offsets around the centre, Gtc ignores the others', () => {
  const orders = buildLadder({
    coin: 'xyz:GOLD',
    szDecimals: 4,
    centerPx: 4570.4,
    levels: 3,
    topHalfSpreadBps: 2,
    levelSpacingBps: 1,
    levelNotionalUsd: 5000,
    sizeFactors: [1, 1, 1, 1, 1, 1],
    tif: 'Gtc',
    others: { ask: { px: 4000, sz: 1 } },
  });
  assert.deepEqual(
    orders.map((o) => `${o.isBuy ? 'B' : 'A'} ${o.px} ${o.sz}`),
    // 4570.4 × (1 ∓ 2, 3, 4 bps) rounded outward to 0.1; sizes 5000 / px truncated to 4 decimals
    ['B 4569.4 1.0942', 'B 4569 1.0943', 'B 4568.5 1.0944', 'A 4571.4 1.0937', 'A 4571.8 1.0936', 'A 4572.3 1.0935'],
  );
});
