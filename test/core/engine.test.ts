import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidPrice, isValidSize } from '../../src/protocol/index.ts';
import { defaultCoreConfig } from '../../src/core/config.ts';
import { CoreEngine } from '../../src/core/engine.ts';
import { Outbound } from '../../src/core/outbound.ts';
import type { OutboundOrder } from '../../src/core/types.ts';
import { Clock, enterLong, fill, GOLD, oracleJump, type Rig, ready, RecordingSink, rig, SILVER, TSLA, warm } from './helpers.ts';

function ob(coin: string, reduceOnly: boolean): OutboundOrder {
  return {
    wire: { a: 1, b: true, p: '1', s: '1', r: reduceOnly, t: { limit: { tif: 'Ioc' } }, c: '0x00000000000000000000000000000001' },
    cloid: '0x00000000000000000000000000000001',
    coin,
    reduceOnly,
    purpose: reduceOnly ? 'exit' : 'entry',
  };
}

test('Outbound coalesces one event into one batch: cancels, then reduce-only, then new', () => {
  const o = new Outbound();
  assert.equal(o.take(), null);
  o.order(ob('new1', false));
  o.order(ob('ro1', true));
  o.cancel({ a: 1, o: 5 });
  o.order(ob('new2', false));
  o.order(ob('ro2', true));
  o.cancelByCloid({ asset: 1, cloid: '0x00000000000000000000000000000009' });
  const b = o.take();
  assert.ok(b !== null);
  assert.deepEqual(b.orders.map((x) => x.coin), ['ro1', 'ro2', 'new1', 'new2']);
  assert.equal(b.cancels.length, 1);
  assert.equal(b.cancelsByCloid.length, 1);
  assert.equal(o.take(), null);
  o.order(ob('x', false));
  assert.equal(o.take()?.id, b.id + 1);
});

test('constructor refuses invalid configs and market specs (fail closed, incident #46)', () => {
  const sink = new RecordingSink();
  const clock = new Clock();
  assert.throws(() => new CoreEngine({ config: { ...defaultCoreConfig, maxOrderNotionalUsd: 2 }, markets: [SILVER], clock: clock.now, sink }), /invalid core config/);
  assert.throws(() => new CoreEngine({ markets: [{ ...SILVER, szDecimals: Number.NaN }], clock: clock.now, sink }), /szDecimals/);
  assert.throws(() => new CoreEngine({ markets: [SILVER, SILVER], clock: clock.now, sink }), /duplicate/);
});

test('incidents #10, #16: the wire carries the spec\'s asset id and exact price/size strings', () => {
  const r = rig();
  enterLong(r);
  const o = r.sink.orders[0];
  assert.ok(o !== undefined);
  assert.equal(o.wire.a, SILVER.assetId);
  assert.ok(isValidPrice(o.wire.p, SILVER.szDecimals, 'perp'));
  assert.ok(isValidSize(o.wire.s, SILVER.szDecimals));
  assert.equal(o.wire.c, o.cloid);
  assert.match(o.cloid, /^0xaa[0-9a-f]{30}$/);
});

test('incident #20: the coin the feed writes is the key the detector reads; unknown coins are counted, not guessed', () => {
  const r = rig();
  r.engine.onBbo('xyz:NOPE', 1, 1, 2, 1, r.clock.t);
  r.engine.onAssetCtx('SILVER', 1, 1, 1, r.clock.t); // wrong spelling of a HIP-3 coin
  assert.equal(r.engine.counters.unknownCoinEvents, 2);
  assert.equal(r.engine.marketView('SILVER'), undefined);
});

test('incident #42: every evaluated opportunity produces exactly one recorded verdict (or a counted repeat)', () => {
  const r = rig();
  ready(r);
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  let candidates = 0;
  for (let i = 0; i < 40; i++) {
    r.clock.advance(25);
    r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200 + i, r.clock.t);
    candidates++;
  }
  const c = r.engine.counters;
  // the ctx event itself was a candidate too (blocked by the quote-lag window)
  assert.equal(c.signals + c.signalsSuppressed, candidates + 1);
  for (const s of r.rec.signals) {
    assert.ok(s.reason.length > 0 && (s.decision === 'order') === (s.reason === 'ok'));
    assert.ok(s.gates.length > 0);
  }
  assert.equal(r.rec.signals.filter((s) => s.decision === 'order').length, 1);
});

test('incident #4: a persistent block produces a bounded number of records', () => {
  const r = rig({ edgeMode: 'raw' });
  ready(r);
  // a structural basis in raw mode: every bbo is a candidate blocked by the quote-lag window
  for (let i = 0; i < 2000; i++) {
    r.engine.onAssetCtx(SILVER.coin, 100, 100, 1000, r.clock.t);
    r.engine.onBbo(SILVER.coin, 99.3, 200, 99.4, 200, r.clock.t);
    r.clock.advance(10);
  }
  assert.ok(r.rec.signals.length <= 3, `${r.rec.signals.length} records`);
  assert.ok(r.engine.counters.signalsSuppressed > 3000);
});

test('a sink that answers synchronously (re-entrant onPostResult) is handled', () => {
  const r = rig();
  r.sink.onSend = (b) => {
    if (b.orders.length > 0) r.engine.onPostResult(b.id, { kind: 'ok', statuses: b.orders.map(() => ({ error: 'Order could not immediately match against any resting orders.' })) });
  };
  enterLong(r);
  assert.equal(r.engine.openOrders().length, 0);
  assert.equal(r.engine.marketView(SILVER.coin)?.pendingEntry, null);
});

test('one event can emit cancels and exits together, cancels first', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  const e = enterLong(r);
  r.engine.onOrderUpdates([{ order: { coin: SILVER.coin, side: 'B', limitPx: '100', sz: String(e.sz), oid: 9, timestamp: 0, origSz: String(e.sz), cloid: e.cloid }, status: 'open', statusTimestamp: 0 }]);
  r.engine.onUserFills([fill(TSLA.coin, 'B', 300, 0.1)], false);
  r.engine.onAssetCtx(TSLA.coin, 300, 300, 1, r.clock.t);
  const n = r.sink.batches.length;
  r.engine.triggerHardStop('x');
  assert.equal(r.sink.batches.length, n + 1, 'one batch for the whole event');
  const b = r.sink.batches[n];
  assert.deepEqual(b?.cancels, [{ a: SILVER.assetId, o: 9 }]);
  assert.equal(b?.orders[0]?.coin, TSLA.coin);
});

test('positions(), openOrders(), marketView() and counters reflect the state', () => {
  const r = rig();
  const e = enterLong(r);
  const oo = r.engine.openOrders();
  assert.equal(oo.length, 1);
  assert.deepEqual([oo[0]?.coin, oo[0]?.side, oo[0]?.purpose, oo[0]?.state], [SILVER.coin, 'buy', 'entry', 'sent']);
  const v = r.engine.marketView(SILVER.coin);
  assert.ok(v !== undefined);
  assert.equal(v.oraclePx, 101);
  assert.equal(v.pendingEntry, e.cloid);
  assert.ok(v.buyEdgeBps > v.thresholdBps);
  assert.equal(r.engine.counters.entriesSent, 1);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.02, e.sz, { cloid: e.cloid })], false);
  const p = r.engine.positions();
  assert.equal(p.length, 1);
  assert.equal(p[0]?.size, e.sz);
  assert.ok(Math.abs((p[0]?.unrealisedPnlUsd ?? 0) - (101 - 100.02) * e.sz) < 1e-9);
  assert.equal(r.engine.hardStopState().latched, false);
});

test('a short entry on an oracle drop, mirrored', () => {
  const r = rig();
  ready(r);
  warm(r, GOLD.coin, 2000);
  oracleJump(r, GOLD.coin, 2000, -100);
  r.clock.advance(40);
  r.engine.onBbo(GOLD.coin, 1999.6, 5, 2000.4, 5, r.clock.t);
  const o = r.sink.orders[0];
  assert.ok(o !== undefined);
  assert.equal(o.wire.b, false);
  assert.ok(Number(o.wire.p) <= 1999.6 && Number(o.wire.p) >= 1999.6 * (1 - 5 / 1e4));
  assert.ok(isValidPrice(o.wire.p, GOLD.szDecimals, 'perp'));
});

test('incident #26: the per-order cap and the per-market position limit are separate concepts', () => {
  // order cap $50, position limit $200: an order is capped at $50 and the limit is not clamped to it
  const r = rig({ maxOrderNotionalUsd: 50, maxPositionNotionalUsd: 200 });
  enterLong(r);
  const o = r.sink.orders[0];
  assert.ok(o !== undefined && Number(o.wire.s) * 101 <= 50);
  const v = r.rec.signals.at(-1)?.gates.find((g) => g.gate === 'MaxPositionPerMarket');
  assert.equal(v?.limit, 200);
});

test('incident #34: no new entry into a market while its exit is in progress (FlattenInProgress)', () => {
  const r = rig({ timeStopMs: 1000, exitThresholdBps: 0, oracleReversalBps: 0 });
  ready(r);
  warm(r, SILVER.coin, 100);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100, 0.2)], false);
  r.clock.advance(1000);
  r.engine.onTimer(); // time stop → flatten in flight
  const exitBatch = r.sink.last();
  assert.ok(exitBatch !== undefined && exitBatch.orders[0]?.reduceOnly === true);
  // the exit fills (reported), but its userFill is late; a new oracle jump must not re-enter yet
  r.engine.onPostResult(exitBatch.id, { kind: 'ok', statuses: [{ filled: { totalSz: '0.2', avgPx: '100', oid: 1 } }] });
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.sink.orders.filter((x) => !x.reduceOnly).length, 1, 'flat by report: the entry is allowed once the claim is released');
});

test('incident #37: exit strategies are independent (oracle reversal works with mark regression off)', () => {
  const r = rig({ exitThresholdBps: 0, timeStopMs: 0, oracleReversalBps: 15, minHoldingMs: 10_000 });
  const e = enterLong(r);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.02, e.sz, { cloid: e.cloid })], false);
  r.clock.advance(100);
  r.engine.onAssetCtx(SILVER.coin, 100.8, 100.8, 1000, r.clock.t);
  assert.equal(r.rec.exits[0]?.reason, 'oracleReversal');
});

test('incident #40: the dashboard\'s edge (marketView) is the detector\'s edge, from the same function', () => {
  const r = rig();
  enterLong(r);
  const rec = r.rec.signals.at(-1);
  const v = r.engine.marketView(SILVER.coin);
  assert.ok(rec !== undefined && v !== undefined);
  assert.equal(v.buyEdgeBps, rec.edgeBps);
  assert.equal(v.thresholdBps, rec.thresholdBps);
});

test('incident #44: signals that never traded do not consume the action budget', () => {
  const r = rig({ actionBudgetOrders: 1, actionBudgetWindowMs: 60_000 });
  r.engine.onConnection(true); // not ready: every signal is skipped
  warm(r, SILVER.coin, 100);
  for (let i = 0; i < 5; i++) {
    oracleJump(r, SILVER.coin, 100, 50 + 10 * i);
    r.clock.advance(50);
    r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  }
  assert.equal(r.sink.orders.length, 0);
  r.engine.onTradingReady(true);
  r.clock.advance(1);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 201, r.clock.t);
  assert.equal(r.sink.orders.length, 1, 'the budget is still available');
});

/** A signal while `block(r, true)` holds is refused for `reason`; once `block(r, false)` lifts it, the next one enters. */
function assertBlocksThenLifts(block: (r: Rig, on: boolean) => void, reason: string): void {
  const r = rig();
  ready(r);
  warm(r, SILVER.coin, 100);
  block(r, true);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.rec.signals.at(-1)?.reason, reason);
  block(r, false);
  r.clock.advance(5);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 201, r.clock.t);
  assert.equal(r.sink.orders.length, 1);
}

test('latent defect L9: a market disabled by feed health is re-enabled when the feed recovers', () => {
  assertBlocksThenLifts((r, on) => r.engine.onMarketHealth(SILVER.coin, !on), 'FeedHealthy');
});

test('a trading halt blocks entries and can be lifted', () => {
  assertBlocksThenLifts((r, on) => r.engine.setTradingHalted(SILVER.coin, on), 'TradingHalt');
});

test('a price the formatter cannot express never crashes the event: recorded as OrderBuild, no order', () => {
  // szDecimals 6 on a perp leaves 0 price decimals: a 0.3 price rounds to zero and is refused
  const odd = { coin: 'xyz:ODD', assetId: 110099, szDecimals: 6 };
  const r = rig({}, [odd]);
  ready(r);
  warm(r, odd.coin, 0.3);
  oracleJump(r, odd.coin, 0.3, 100);
  r.clock.advance(50);
  assert.doesNotThrow(() => r.engine.onBbo(odd.coin, 0.29994, 1e6, 0.30006, 1e6, r.clock.t));
  assert.equal(r.sink.orders.length, 0);
  assert.match(r.rec.signals.at(-1)?.reason ?? '', /^(OrderBuild|LimitPrice)/);
  assert.equal(r.engine.marketView(odd.coin)?.pendingEntry, null);
});

test('an observer that throws (journal failure) never breaks the core: the order still goes out, counted', () => {
  const r = rig();
  r.rec.onOrder = () => {
    throw new Error('disk full');
  };
  r.rec.onSignal = () => {
    throw new Error('disk full');
  };
  const e = enterLong(r);
  assert.equal(r.engine.marketView(SILVER.coin)?.pendingEntry, e.cloid);
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ error: 'Order could not immediately match against any resting orders.' }] });
  assert.equal(r.engine.marketView(SILVER.coin)?.pendingEntry, null);
  assert.ok(r.engine.counters.observerErrors >= 3);
});
