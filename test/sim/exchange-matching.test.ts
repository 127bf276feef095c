// SimExchange matching, validation strings, accounts and events, driven in-process (no sockets).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { err } from '../../src/sim/exchange/errors.ts';
import { SimExchange } from '../../src/sim/exchange/exchange.ts';
import type { SimEvent, SimOrderInput, WireFill, WireOrderUpdate } from '../../src/sim/exchange/types.ts';

const A = '0x000000000000000000000000000000000000000a';
const B = '0x000000000000000000000000000000000000000b';
const C = '0x000000000000000000000000000000000000000c';

function setup(opts: { isMainnet?: boolean } = {}) {
  const clock = { t: 1_750_000_000_000 };
  const ex = new SimExchange({
    markets: [
      { name: 'BTC', dex: '', szDecimals: 5, maxLeverage: 40, initialPx: 100000 },
      { name: 'ETH', dex: '', szDecimals: 4, maxLeverage: 25, initialPx: 2000 },
      { name: 'xyz:XYZ100', dex: 'xyz', szDecimals: 4, maxLeverage: 20, initialPx: 25000 },
    ],
    dexes: ['', 'xyz'],
    isMainnet: opts.isMainnet,
    now: () => clock.t,
    scheduleCancelMinVolumeUsd: 0,
  });
  const events: SimEvent[] = [];
  ex.onEvent((e) => events.push(e));
  for (const u of [A, B, C]) ex.fund(u, 1_000_000);
  return { ex, clock, events };
}

const gtc = (coin: string, isBuy: boolean, px: string, sz: string, extra: Partial<SimOrderInput> = {}): SimOrderInput => ({
  coin,
  isBuy,
  px,
  sz,
  tif: 'Gtc',
  ...extra,
});

function updatesOf(events: SimEvent[], user: string): WireOrderUpdate[] {
  return events.flatMap((e) => (e.kind === 'orderUpdates' && e.user === user ? e.data : []));
}
function fillsOf(events: SimEvent[], user: string): WireFill[] {
  return events.flatMap((e) => (e.kind === 'userFills' && e.user === user ? e.data.fills : []));
}

// Strings are labelled where asserted: [documented] / [observed] venue strings, [invented] hlsim's own
// (docs/hlsim.md "Strings: source"; the labels match ERROR_SOURCES, checked by strings.test.ts).
describe('validation errors', () => {
  it('tick, lot, zero size, minimum notional, price band ([documented] tick and minimum, [observed] sizes and band)', () => {
    const { ex } = setup();
    const r = ex.internalPlaceOrders(A, [
      gtc('BTC', true, '99999.5', '0.001'), // BTC prices are integers (6 − 5 = 1 decimal allowed, but 6 sig figs)
      gtc('ETH', true, '1999.123', '0.01'), // 3 decimals > 6 − 4
      gtc('BTC', true, '99000', '0.000001'), // 6 decimals > szDecimals 5
      gtc('BTC', true, '99000', '0'),
      gtc('BTC', true, '99000', '0.0001'), // $9.90
      gtc('BTC', true, '10000', '0.01'), // 90 % below the mark
    ]);
    assert.deepEqual(r, [
      { error: 'Price must be divisible by tick size. asset=0' }, // documented
      { error: 'Price must be divisible by tick size. asset=1' }, // documented
      { error: 'Order has invalid size.' }, // observed
      { error: 'Order has zero size.' }, // observed
      { error: 'Order must have minimum value of $10. asset=0' }, // documented
      { error: 'Order price cannot be more than 80% away from the reference price' }, // observed
    ]);
  });

  it('integer prices are always valid; 5 significant figures otherwise', () => {
    const { ex } = setup();
    const r = ex.internalPlaceOrders(A, [gtc('BTC', true, '99001', '0.001'), gtc('ETH', true, '1999.5', '0.01')]);
    assert.ok('resting' in r[0] && 'resting' in r[1], JSON.stringify(r));
  });

  it('ALO that would cross reports the bbo', () => {
    const { ex } = setup();
    ex.internalPlaceOrders(B, [gtc('BTC', true, '99990', '0.01'), gtc('BTC', false, '100010', '0.01')]);
    const r = ex.internalPlaceOrders(A, [{ ...gtc('BTC', true, '100010', '0.01'), tif: 'Alo' }]);
    assert.deepEqual(r, [{ error: 'Post only order would have immediately matched, bbo was 99990.0@100010.0. asset=0' }]);
    assert.equal(r[0] && 'error' in r[0] ? r[0].error : '', err.badAloPx('99990.0', '100010.0', 0));
    const ok = ex.internalPlaceOrders(A, [{ ...gtc('BTC', true, '100000', '0.01'), tif: 'Alo' }]);
    assert.ok('resting' in ok[0]);
  });

  it('IOC with nothing to match', () => {
    const { ex, events } = setup();
    const r = ex.internalPlaceOrders(A, [{ ...gtc('BTC', true, '100000', '0.01'), tif: 'Ioc', cloid: `0x${'ab'.repeat(16)}` }]);
    assert.deepEqual(r, [{ error: 'Order could not immediately match against any resting orders. asset=0' }]);
    const u = updatesOf(events, A);
    assert.equal(u.length, 1);
    assert.equal(u[0].status, 'iocCancelRejected');
    const st = ex.handleInfo({ type: 'orderStatus', user: A, oid: `0x${'ab'.repeat(16)}` }).body as { order: { status: string } };
    assert.equal(st.order.status, 'iocCancelRejected');
  });

  it('insufficient margin (cross, 20× default leverage)', () => {
    const { ex } = setup();
    ex.fund(C.replace('c', 'd'), 100); // $100 → at most $2000 of notional at 20×
    const r = ex.internalPlaceOrders(C.replace('c', 'd'), [gtc('ETH', true, '1990', '1.1'), gtc('ETH', true, '1990', '1')]);
    assert.deepEqual(r[0], { error: 'Insufficient margin to place order. asset=1' });
    assert.ok('resting' in r[1]);
  });

  it('reduce-only: rejected without an opposite position; shrunk to the position; never flips', () => {
    const { ex, events } = setup();
    assert.deepEqual(ex.internalPlaceOrders(A, [gtc('ETH', false, '2000', '0.01', { reduceOnly: true })]), [
      { error: 'Reduce only order would increase position. asset=1' },
    ]);
    assert.equal(updatesOf(events, A).at(-1)?.status, 'reduceOnlyRejected');
    // A goes long 0.02 ETH
    ex.internalPlaceOrders(B, [gtc('ETH', false, '2000', '1')]);
    ex.internalPlaceOrders(A, [{ ...gtc('ETH', true, '2000', '0.02'), tif: 'Ioc' }]);
    assert.equal(ex.position(A, 'ETH')?.sziStr, '0.02');
    // more reduce-only buys would increase: rejected
    assert.deepEqual(ex.internalPlaceOrders(A, [gtc('ETH', true, '1990', '0.01', { reduceOnly: true })]), [
      { error: 'Reduce only order would increase position. asset=1' },
    ]);
    // reduce-only GTC sell of 0.05 rests with sz 0.02, origSz 0.05 (a close below $10 is allowed)
    const r = ex.internalPlaceOrders(A, [gtc('ETH', false, '2100', '0.05', { reduceOnly: true })]);
    assert.ok('resting' in r[0]);
    const oo = ex.handleInfo({ type: 'frontendOpenOrders', user: A }).body as { sz: string; origSz: string; reduceOnly: boolean }[];
    assert.equal(oo.length, 1);
    assert.deepEqual([oo[0].sz, oo[0].origSz, oo[0].reduceOnly], ['0.02', '0.05', true]);
    // closing the position without reduce-only cancels the resting reduce-only order (reduceOnlyCanceled)
    ex.internalPlaceOrders(B, [gtc('ETH', true, '1999', '1')]);
    ex.internalPlaceOrders(A, [{ ...gtc('ETH', false, '1999', '0.02'), tif: 'Ioc' }]);
    assert.equal(ex.position(A, 'ETH'), null);
    assert.equal(updatesOf(events, A).at(-2)?.status, 'reduceOnlyCanceled');
    assert.equal((ex.handleInfo({ type: 'openOrders', user: A }).body as unknown[]).length, 0);
  });

  it('reduce-only IOC larger than the position closes it exactly', () => {
    const { ex } = setup();
    ex.internalPlaceOrders(B, [gtc('ETH', false, '2000', '1'), gtc('ETH', true, '1990', '1')]);
    ex.internalPlaceOrders(A, [{ ...gtc('ETH', true, '2000', '0.02'), tif: 'Ioc' }]);
    const r = ex.internalPlaceOrders(A, [{ ...gtc('ETH', false, '1900', '0.05'), tif: 'Ioc', reduceOnly: true }]);
    assert.deepEqual(r, [{ filled: { totalSz: '0.02', avgPx: '1990.0', oid: 4 } }]);
    assert.equal(ex.position(A, 'ETH'), null);
  });

  it('duplicate cloid ([invented] string)', () => {
    const { ex } = setup();
    const cloid = `0x${'01'.repeat(16)}`;
    const r = ex.internalPlaceOrders(A, [gtc('BTC', true, '99000', '0.001', { cloid }), gtc('BTC', true, '98000', '0.001', { cloid })]);
    assert.ok('resting' in r[0]);
    assert.deepEqual(r[1], { error: 'Duplicate cloid. asset=0' });
  });
});

describe('matching', () => {
  it('price-time priority: better price first, then earlier order at the same price', () => {
    const { ex } = setup();
    const [a1] = ex.internalPlaceOrders(A, [gtc('ETH', false, '2001', '0.1')]);
    const [b1] = ex.internalPlaceOrders(B, [gtc('ETH', false, '2000', '0.1')]);
    const [a2] = ex.internalPlaceOrders(A, [gtc('ETH', false, '2000', '0.1')]);
    const r = ex.internalPlaceOrders(C, [{ ...gtc('ETH', true, '2001', '0.15'), tif: 'Ioc' }]);
    assert.deepEqual(r, [{ filled: { totalSz: '0.15', avgPx: '2000.0', oid: 4 } }]);
    // b1 (first at 2000) fully filled, a2 partially, a1 untouched
    const oidOf = (s: unknown) => (s as { resting: { oid: number } }).resting.oid;
    const st = (u: string, oid: number) => (ex.handleInfo({ type: 'orderStatus', user: u, oid }).body as { order: { status: string; order: { sz: string } } }).order;
    assert.equal(st(B, oidOf(b1)).status, 'filled');
    assert.deepEqual([st(A, oidOf(a2)).status, st(A, oidOf(a2)).order.sz], ['open', '0.05']);
    assert.deepEqual([st(A, oidOf(a1)).status, st(A, oidOf(a1)).order.sz], ['open', '0.1']);
  });

  it('IOC walks the book at each maker price; partial fill reports the filled part', () => {
    const { ex, events } = setup();
    ex.internalPlaceOrders(B, [gtc('BTC', false, '100000', '0.01'), gtc('BTC', false, '100010', '0.02'), gtc('BTC', false, '100050', '0.05')]);
    const r = ex.internalPlaceOrders(A, [{ ...gtc('BTC', true, '100010', '0.1'), tif: 'Ioc' }]);
    // 0.01 @ 100000 + 0.02 @ 100010 = 3002.2 / 0.03
    assert.deepEqual(r, [{ filled: { totalSz: '0.03', avgPx: '100006.66667', oid: 4 } }]);
    const fills = fillsOf(events, A);
    assert.deepEqual(
      fills.map((f) => [f.px, f.sz, f.side, f.crossed, f.dir, f.startPosition]),
      [
        ['100000.0', '0.01', 'B', true, 'Open Long', '0.0'],
        ['100010.0', '0.02', 'B', true, 'Open Long', '0.01'],
      ],
    );
    // maker fills mirror them
    assert.deepEqual(
      fillsOf(events, B).map((f) => [f.px, f.sz, f.side, f.crossed, f.tid]),
      fills.map((f) => [f.px, f.sz, 'A', false, f.tid]),
    );
    // the unfilled rest of the IOC is cancelled
    assert.deepEqual(
      updatesOf(events, A).map((u) => [u.status, u.order.sz, u.order.origSz]),
      [['canceled', '0.07', '0.1']],
    );
    const trades = events.flatMap((e) => (e.kind === 'trades' ? e.data : []));
    assert.deepEqual(
      trades.map((t) => [t.side, t.px, t.sz, t.users]),
      [
        ['B', '100000.0', '0.01', [A, B]],
        ['B', '100010.0', '0.02', [A, B]],
      ],
    );
    assert.ok(trades[1].tid > trades[0].tid);
    assert.deepEqual(ex.bestBidAsk('BTC'), { ask: { px: 100050, sz: 0.05 } });
  });

  it('GTC crosses then rests its remainder; bbo and l2Book events follow the book', () => {
    const { ex, events } = setup();
    ex.internalPlaceOrders(B, [gtc('ETH', false, '2000', '0.1')]);
    events.length = 0;
    const r = ex.internalPlaceOrders(A, [gtc('ETH', true, '2000', '0.3')]);
    assert.deepEqual(r, [{ resting: { oid: 2 } }]);
    const bbo = events.filter((e) => e.kind === 'bbo');
    assert.equal(bbo.length, 1);
    assert.deepEqual(bbo[0].kind === 'bbo' && bbo[0].data.bbo, [{ px: '2000.0', sz: '0.2', n: 1 }, null]);
    const l2 = events.filter((e) => e.kind === 'l2Book').at(-1);
    assert.deepEqual(l2?.kind === 'l2Book' && l2.data.levels, [[{ px: '2000.0', sz: '0.2', n: 1 }], []]);
    assert.deepEqual(
      updatesOf(events, A).map((u) => [u.status, u.order.sz, u.order.origSz]),
      [['open', '0.2', '0.3']],
    );
    assert.deepEqual(ex.l2BookData('ETH')?.levels, [[{ px: '2000.0', sz: '0.2', n: 1 }], []]);
    assert.equal(ex.handleInfo({ type: 'l2Book', coin: 'NOPE' }).body, null);
  });

  it('self-trade: the resting order is cancelled (selfTradeCanceled), the taker continues', () => {
    const { ex, events } = setup();
    ex.internalPlaceOrders(A, [gtc('ETH', false, '2000', '0.1')]);
    ex.internalPlaceOrders(B, [gtc('ETH', false, '2001', '0.1')]);
    const r = ex.internalPlaceOrders(A, [{ ...gtc('ETH', true, '2001', '0.1'), tif: 'Ioc' }]);
    assert.deepEqual(r, [{ filled: { totalSz: '0.1', avgPx: '2001.0', oid: 3 } }]);
    assert.ok(updatesOf(events, A).some((u) => u.status === 'selfTradeCanceled' && u.order.oid === 1));
  });

  it('closes at a profit: closedPnl, dir, entry and cash are exact; fees maker 1.5 bp, taker 4.5 bp, HIP-3 2×', () => {
    const { ex, events } = setup();
    ex.internalPlaceOrders(B, [gtc('ETH', false, '2000', '1')]);
    ex.internalPlaceOrders(A, [{ ...gtc('ETH', true, '2000', '1'), tif: 'Ioc' }]);
    ex.internalPlaceOrders(B, [gtc('ETH', true, '2100', '0.4')]);
    ex.internalPlaceOrders(A, [{ ...gtc('ETH', false, '2100', '1.5'), tif: 'Ioc' }]);
    const f = fillsOf(events, A);
    assert.deepEqual(
      f.map((x) => [x.dir, x.sz, x.closedPnl, x.fee, x.startPosition]),
      [
        ['Open Long', '1.0', '0.0', '0.9', '0.0'], // 2000 × 4.5 bp
        ['Close Long', '0.4', '40.0', '0.378', '1.0'],
      ],
    );
    assert.equal(fillsOf(events, B)[0].fee, '0.3'); // maker 1.5 bp of 2000
    assert.equal(ex.position(A, 'ETH')?.sziStr, '0.6');
    assert.equal(ex.position(A, 'ETH')?.entryPx, '2000.0');
    // HIP-3 taker: 9 bp; maker 3 bp
    ex.internalPlaceOrders(B, [gtc('xyz:XYZ100', false, '25000', '0.01')]);
    ex.internalPlaceOrders(A, [{ ...gtc('xyz:XYZ100', true, '25000', '0.01'), tif: 'Ioc' }]);
    assert.equal(fillsOf(events, A).at(-1)?.fee, '0.225'); // 250 × 9 bp
    assert.equal(fillsOf(events, B).at(-1)?.fee, '0.075');
    assert.equal(ex.totalCash() + ex.feesCollected(), ex.totalDeposits());
  });

  it('flip: Long > Short with closedPnl on the closed part and a new entry at the fill price', () => {
    const { ex, events } = setup();
    ex.internalPlaceOrders(B, [gtc('ETH', false, '2000', '0.5')]);
    ex.internalPlaceOrders(A, [{ ...gtc('ETH', true, '2000', '0.5'), tif: 'Ioc' }]);
    ex.internalPlaceOrders(B, [gtc('ETH', true, '1990', '2')]);
    ex.internalPlaceOrders(A, [{ ...gtc('ETH', false, '1990', '1.5'), tif: 'Ioc' }]);
    const last = fillsOf(events, A).at(-1);
    assert.deepEqual([last?.dir, last?.closedPnl], ['Long > Short', '-5.0']);
    assert.equal(ex.position(A, 'ETH')?.sziStr, '-1.0');
    assert.equal(ex.position(A, 'ETH')?.entryPx, '1990.0');
  });
});

describe('orderUpdates of a resting order (docs/hlsim.md: none on a partial fill)', () => {
  it('open when it rests, nothing on a partial fill, then the end status with the remaining sz', () => {
    const { ex, events } = setup();
    const [rest] = ex.internalPlaceOrders(A, [gtc('ETH', false, '2000', '1')]);
    const oid = (rest as { resting: { oid: number } }).resting.oid;
    ex.internalPlaceOrders(B, [{ ...gtc('ETH', true, '2000', '0.4'), tif: 'Ioc' }]);
    assert.deepEqual(updatesOf(events, A).map((u) => [u.order.oid, u.status, u.order.sz]), [[oid, 'open', '1.0']]);
    assert.equal(fillsOf(events, A).length, 1, 'the partial fill reaches userFills');
    ex.internalCancel(A, oid);
    assert.deepEqual(updatesOf(events, A).map((u) => [u.order.oid, u.status, u.order.sz, u.order.origSz]), [
      [oid, 'open', '1.0', '1.0'],
      [oid, 'canceled', '0.6', '1.0'],
    ]);
  });
});

describe('events', () => {
  it('a listener that trades from inside an event sees its events after the ones already produced', () => {
    const { ex, events } = setup();
    let reacted = false;
    ex.onEvent((e) => {
      if (!reacted && e.kind === 'orderUpdates' && e.user === A) {
        reacted = true;
        ex.internalPlaceOrders(B, [gtc('ETH', false, '2000', '0.1')]); // crosses A's bid
      }
    });
    ex.internalPlaceOrders(A, [gtc('ETH', true, '2000', '0.1')]);
    const kinds = events.map((e) => `${e.kind}:${e.kind === 'bbo' ? JSON.stringify(e.data.bbo) : ''}`);
    // first call: A's open update, then its bbo/l2Book; only then the reaction's fill and the emptied book
    assert.equal(kinds[0], 'orderUpdates:');
    assert.equal(kinds[1], 'bbo:[{"px":"2000.0","sz":"0.1","n":1},null]');
    assert.equal(kinds[2], 'l2Book:');
    assert.ok(kinds.slice(3).includes('bbo:[null,null]'));
    assert.equal(ex.position(A, 'ETH')?.sziStr, '0.1');
  });
});

describe('cancels', () => {
  it('cancel by oid and by cloid; cancelling twice names the venue error', () => {
    const { ex, events } = setup();
    const cloid = `0x${'0f'.repeat(16)}`;
    const [r1, r2] = ex.internalPlaceOrders(A, [gtc('ETH', true, '1900', '0.1'), gtc('ETH', true, '1901', '0.1', { cloid })]);
    assert.ok('resting' in r1 && 'resting' in r2);
    ex.internalCancelAll(A, 'ETH');
    assert.deepEqual(
      updatesOf(events, A)
        .filter((u) => u.status === 'canceled')
        .map((u) => u.order.oid)
        .sort(),
      [1, 2],
    );
    assert.deepEqual(ex.bestBidAsk('ETH'), {});
    assert.equal(err.cancelMissing(1), 'Order was never placed, already canceled, or filled. asset=1');
  });
});

describe('isolated margin', () => {
  // 10 bp taker, 0 maker, no HIP-3 multiplier: round numbers. xyz:ISO is isolated-only, 10× max (= default).
  function isoSetup() {
    const clock = { t: 1_750_000_000_000 };
    const ex = new SimExchange({
      markets: [
        { name: 'ETH', dex: '', szDecimals: 4, maxLeverage: 25, initialPx: 2000 },
        { name: 'xyz:ISO', dex: 'xyz', szDecimals: 2, maxLeverage: 10, onlyIsolated: true, initialPx: 100 },
      ],
      dexes: ['', 'xyz'],
      fees: { takerBps: 10, makerBps: 0, hip3Multiplier: 1 },
      now: () => clock.t,
    });
    for (const u of [A, B]) ex.fund(u, 1_000_000, 'xyz');
    return ex;
  }
  type Ch = {
    marginSummary: { totalRawUsd: string; totalMarginUsed: string };
    crossMarginSummary: { totalRawUsd: string; totalMarginUsed: string };
    assetPositions: { position: { szi: string; leverage: unknown; marginUsed: string } }[];
  };
  const chOf = (ex: SimExchange, u: string) => ex.handleInfo({ type: 'clearinghouseState', user: u, dex: 'xyz' }).body as Ch;

  it('margin = notional / leverage moves from the cross balance at entry; a partial close keeps its share and releases the rest with PnL and fees; a full close releases everything', () => {
    const ex = isoSetup();
    ex.internalPlaceOrders(B, [gtc('xyz:ISO', false, '100', '1')]);
    // A buys 1 at 100: notional 100, fee 0.1, margin 10 (10×).
    ex.internalPlaceOrders(A, [{ ...gtc('xyz:ISO', true, '100', '1'), tif: 'Ioc' }]);
    ex.internalPlaceOrders(B, [gtc('xyz:ISO', true, '110', '1')]);
    let a = chOf(ex, A);
    assert.deepEqual(a.assetPositions[0].position.leverage, { type: 'isolated', value: 10, rawUsd: '-90.1' });
    assert.equal(a.crossMarginSummary.totalRawUsd, '999990.0');
    assert.equal(a.marginSummary.totalRawUsd, '999899.9');
    assert.equal(a.assetPositions[0].position.marginUsed, '9.9', 'equity = rawUsd + szi × mark 100');
    assert.equal(a.crossMarginSummary.totalMarginUsed, '0.0');
    // The maker's short is isolated too: margin 10 in, +100 for the sale.
    assert.deepEqual(chOf(ex, B).assetPositions[0].position.leverage, { type: 'isolated', value: 10, rawUsd: '110.0' });

    // A sells 0.5 at 110: keeps half its entry equity (9.9 / 2), releases margin 5 + PnL 5 − fees (0.05 + 0.055).
    ex.internalPlaceOrders(A, [{ ...gtc('xyz:ISO', false, '110', '0.5'), tif: 'Ioc' }]);
    a = chOf(ex, A);
    assert.equal(a.assetPositions[0].position.szi, '0.5');
    assert.deepEqual(a.assetPositions[0].position.leverage, { type: 'isolated', value: 10, rawUsd: '-45.05' });
    assert.equal(a.crossMarginSummary.totalRawUsd, '999999.895');
    // The maker bought 0.5 back at 110: its released share (margin 5) pays its loss (−5): nothing returns.
    const b = chOf(ex, B);
    assert.deepEqual(b.assetPositions[0].position.leverage, { type: 'isolated', value: 10, rawUsd: '55.0' });
    assert.equal(b.crossMarginSummary.totalRawUsd, '999990.0');

    // Lowering the leverage of the open isolated position needs equity 50 / 5 = 10 > 4.95 (venue-observed string).
    assert.deepEqual(ex.internalUpdateLeverage(A, 'xyz:ISO', false, 5), { status: 'err', response: err.isolatedLeverageDecrease() });
    assert.deepEqual(ex.internalUpdateLeverage(A, 'xyz:ISO', true, 10), { status: 'err', response: 'Cross margin is not allowed for this asset.' });

    // The rest at 110: everything back, cross = deposit + PnL 10 − fees 0.21.
    ex.internalPlaceOrders(A, [{ ...gtc('xyz:ISO', false, '110', '0.5'), tif: 'Ioc' }]);
    a = chOf(ex, A);
    assert.deepEqual(a.assetPositions, []);
    assert.equal(a.crossMarginSummary.totalRawUsd, '1000009.79');
    assert.equal(a.marginSummary.totalRawUsd, '1000009.79');
    assert.equal(ex.totalCash() + ex.feesCollected(), ex.totalDeposits());
  });

  it('a flip releases the old position and margins the new side; orders on an isolated market need cross balance for their margin', () => {
    const ex = isoSetup();
    ex.internalPlaceOrders(B, [gtc('xyz:ISO', false, '100', '1')]);
    ex.internalPlaceOrders(A, [{ ...gtc('xyz:ISO', true, '100', '1'), tif: 'Ioc' }]);
    ex.internalPlaceOrders(B, [gtc('xyz:ISO', true, '100', '3')]);
    // Sell 3 at 100 (fee 0.3, all of it on the closing part): closes 1, releasing 10 − 0.1 − 0.3 = 9.6;
    // opens a short of 2 with margin 20 and +200 of notional.
    ex.internalPlaceOrders(A, [{ ...gtc('xyz:ISO', false, '100', '3'), tif: 'Ioc' }]);
    const a = chOf(ex, A);
    assert.equal(a.assetPositions[0].position.szi, '-2.0');
    assert.deepEqual(a.assetPositions[0].position.leverage, { type: 'isolated', value: 10, rawUsd: '220.0' });
    assert.equal(a.crossMarginSummary.totalRawUsd, '999979.6');
    assert.equal(a.marginSummary.totalRawUsd, '1000199.6', 'all cash: deposit − 100 + 300 − fees 0.4');
    // A poor account: 50 USDC of cross balance margins at most 500 of isolated notional at 10×.
    const poor = '0x00000000000000000000000000000000000000dd';
    ex.fund(poor, 50, 'xyz');
    assert.deepEqual(ex.internalPlaceOrders(poor, [gtc('xyz:ISO', true, '90', '6')]), [{ error: err.margin(110000) }]);
    assert.ok('resting' in (ex.internalPlaceOrders(poor, [gtc('xyz:ISO', true, '90', '5')])[0] ?? {}));
  });

  it('updateLeverage: isolated-only markets refuse cross; a cross market switches to isolated only while flat; lowering cross leverage needs free margin', () => {
    const ex = isoSetup();
    ex.fund(A, 1_000_000, '');
    const small = '0x00000000000000000000000000000000000000ee';
    ex.fund(small, 100, '');
    assert.deepEqual(ex.internalUpdateLeverage(A, 'xyz:ISO', true, 5), { status: 'err', response: err.crossNotAllowed() });
    assert.deepEqual(ex.internalUpdateLeverage(A, 'xyz:ISO', false, 5), { status: 'ok', response: { type: 'default' } });
    assert.deepEqual(ex.internalUpdateLeverage(A, 'xyz:ISO', false, 11), { status: 'err', response: err.invalidLeverage() });
    // ETH is cross by default; isolated on request while flat.
    ex.internalPlaceOrders(A, [gtc('ETH', false, '2000', '1')]);
    assert.deepEqual(ex.internalUpdateLeverage(small, 'ETH', false, 20), { status: 'ok', response: { type: 'default' } });
    ex.internalPlaceOrders(small, [{ ...gtc('ETH', true, '2000', '0.01'), tif: 'Ioc' }]);
    const pos = () => (ex.handleInfo({ type: 'clearinghouseState', user: small }).body as Ch).assetPositions[0].position;
    assert.deepEqual(pos().leverage, { type: 'isolated', value: 20, rawUsd: '-19.02' });
    assert.deepEqual(ex.internalUpdateLeverage(small, 'ETH', true, 20), { status: 'err', response: err.switchLeverageType() });
    // Close, switch back to cross, reopen bigger: 0.4 ETH = 800 at 20× uses 40 of ~99.9.
    ex.internalPlaceOrders(A, [gtc('ETH', true, '1999', '0.01')]);
    ex.internalPlaceOrders(small, [{ ...gtc('ETH', false, '1999', '0.01'), tif: 'Ioc' }]);
    assert.deepEqual(ex.internalUpdateLeverage(small, 'ETH', true, 20), { status: 'ok', response: { type: 'default' } });
    ex.internalPlaceOrders(small, [{ ...gtc('ETH', true, '2000', '0.4'), tif: 'Ioc' }]);
    assert.deepEqual(pos().leverage, { type: 'cross', value: 20 });
    assert.deepEqual(ex.internalUpdateLeverage(small, 'ETH', true, 5), { status: 'err', response: err.crossLeverageDecrease() }, '160 needed');
    assert.deepEqual(ex.internalUpdateLeverage(small, 'ETH', true, 10), { status: 'ok', response: { type: 'default' } }, '80 needed');
    assert.equal(ex.totalCash() + ex.feesCollected(), ex.totalDeposits());
  });
});

describe('oracle, mark and info', () => {
  it('setOracle: 2.5 s spacing, 1 % step cap, mark = median(submitted, local mark); emits activeAssetCtx', () => {
    const { ex, clock, events } = setup();
    assert.equal(ex.setOracle('ETH', 2010), true);
    assert.equal(ex.setOracle('ETH', 2020), false); // too soon
    clock.t += 3000;
    assert.equal(ex.setOracle('ETH', 2500), true); // capped at +1 %
    assert.equal(ex.oraclePx('ETH'), 2030.1);
    const ctx = events.filter((e) => e.kind === 'activeAssetCtx');
    assert.equal(ctx.length, 2);
    assert.equal(ctx[1].kind === 'activeAssetCtx' && ctx[1].data.ctx.oraclePx, '2030.1');
    // local mark from the book: median(bid 1990, ask 2000) = 1995; submitted 2000 → mark (2000 + 1995)/2
    ex.internalPlaceOrders(B, [gtc('ETH', true, '1990', '1'), gtc('ETH', false, '2000', '1')]);
    clock.t += 3000;
    ex.setOracle('ETH', 2020, 2000);
    // (2000 + 1995) / 2 = 1997.5, clamped to the previous mark 2030.1 − 1 % = 2009.799, on the price grid
    assert.equal(ex.markPx('ETH'), 2009.8);
  });

  it('a mark with no deployer update for 10 s falls back to the local mark on tick() and follows it; setOracle takes over again', () => {
    const { ex, clock, events } = setup();
    ex.setOracle('ETH', 2010);
    ex.internalPlaceOrders(B, [gtc('ETH', true, '1990', '1'), gtc('ETH', false, '2000', '1')]);
    const ctxCount = () => events.filter((e) => e.kind === 'activeAssetCtx' && e.coin === 'ETH').length;
    const n0 = ctxCount();
    clock.t += 9999;
    ex.tick();
    assert.equal(ex.markPx('ETH'), 2010, 'not stale before 10 s');
    assert.equal(ctxCount(), n0);
    clock.t += 1;
    ex.tick();
    assert.equal(ex.markPx('ETH'), 1995, 'median(bid 1990, ask 2000), no trade yet');
    assert.equal(ctxCount(), n0 + 1);
    ex.tick();
    assert.equal(ctxCount(), n0 + 1, 'announced only on change');
    ex.internalPlaceOrders(C, [{ ...gtc('ETH', true, '2000', '0.1'), tif: 'Ioc' }]); // a trade at 2000
    ex.tick();
    assert.equal(ex.markPx('ETH'), 2000, 'median(1990, 2000, last 2000)');
    const last = events.filter((e) => e.kind === 'activeAssetCtx').at(-1);
    assert.equal(last?.kind === 'activeAssetCtx' && last.data.ctx.markPx, '2000.0');
    assert.equal(ex.oraclePx('ETH'), 2010, 'the oracle itself does not move');
    clock.t += 1000;
    assert.equal(ex.setOracle('ETH', 2010, 2010), true);
    assert.equal(ex.markPx('ETH'), 2005, 'median(submitted 2010, local 2000)');
    clock.t += 5000;
    ex.tick();
    assert.equal(ex.markPx('ETH'), 2005, 'fresh again: no fallback');
    // A market the deployer never published is stale 10 s after the exchange started.
    assert.equal(ex.markPx('BTC'), 100000);
    ex.internalPlaceOrders(B, [gtc('BTC', true, '99000', '0.01'), gtc('BTC', false, '99100', '0.01')]);
    ex.tick();
    assert.equal(ex.markPx('BTC'), 99050);
  });

  it('meta, perpDexs, metaAndAssetCtxs, allPerpMetas with HIP-3 asset ids', () => {
    const { ex } = setup();
    const meta = ex.handleInfo({ type: 'meta', dex: 'xyz' }).body as { universe: { name: string }[] };
    assert.deepEqual(
      meta.universe.map((u) => u.name),
      ['xyz:XYZ100'],
    );
    const dexs = ex.handleInfo({ type: 'perpDexs' }).body as unknown[];
    assert.equal(dexs[0], null);
    assert.equal((dexs[1] as { name: string }).name, 'xyz');
    assert.equal(ex.assetId('xyz:XYZ100'), 110000);
    const all = ex.handleInfo({ type: 'allPerpMetas' }).body as unknown[];
    assert.equal(all.length, 2);
    const mac = ex.handleInfo({ type: 'metaAndAssetCtxs' }).body as [unknown, { markPx: string }[]];
    assert.deepEqual(
      mac[1].map((c) => c.markPx),
      ['100000.0', '2000.0'],
    );
    assert.equal(ex.handleInfo({ type: 'nope' }).httpStatus, 422);
  });

  it('clearinghouseState is per dex; an agent or unknown address gets an empty state', () => {
    const { ex } = setup();
    ex.internalPlaceOrders(B, [gtc('xyz:XYZ100', false, '25000', '0.01')]);
    ex.internalPlaceOrders(A, [{ ...gtc('xyz:XYZ100', true, '25000', '0.01'), tif: 'Ioc' }]);
    type Ch = { assetPositions: { position: { coin: string; szi: string } }[]; marginSummary: { totalRawUsd: string } };
    const main = ex.handleInfo({ type: 'clearinghouseState', user: A }).body as Ch;
    const xyz = ex.handleInfo({ type: 'clearinghouseState', user: A, dex: 'xyz' }).body as Ch;
    assert.equal(main.assetPositions.length, 0);
    assert.equal(main.marginSummary.totalRawUsd, '1000000.0');
    assert.deepEqual(
      xyz.assetPositions.map((p) => [p.position.coin, p.position.szi]),
      [['xyz:XYZ100', '0.01']],
    );
    assert.equal(xyz.marginSummary.totalRawUsd, '999749.775'); // 1e6 − 250 − 0.225 fee
    const nobody = ex.handleInfo({ type: 'clearinghouseState', user: '0x00000000000000000000000000000000000000ff' }).body as Ch;
    assert.deepEqual(nobody.assetPositions, []);
    assert.equal(nobody.marginSummary.totalRawUsd, '0.0');
  });
});
