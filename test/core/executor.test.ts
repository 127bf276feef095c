import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CoreConfig } from '../../src/core/config.ts';
import { ActionBudget, ENTRY_GATE_ORDER } from '../../src/core/executor.ts';
import { fill, GOLD, oracleJump, ready, type Rig, rig, SILVER, warm } from './helpers.ts';

/** Warm SILVER (and GOLD's mark), jump the oracle, and show a stale ask 50 ms later. Returns the last record. */
function signal(r: Rig, opts: { ready?: boolean } = {}) {
  if (opts.ready !== false) ready(r);
  warm(r, SILVER.coin, 100);
  r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
  r.engine.onBbo(GOLD.coin, 1999, 1, 2001, 1, r.clock.t);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  return r.rec.signals.at(-1);
}

function again(r: Rig) {
  r.clock.advance(5);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 201, r.clock.t);
  return r.rec.signals.at(-1);
}

test('gate order is exactly the seeds\' order', () => {
  assert.deepEqual(
    [...ENTRY_GATE_ORDER],
    ['HardStop', 'ReadyTrading', 'MaxPositionPerMarket', 'MaxPositionTotal', 'MaxConcurrentPositions', 'FlattenInProgress', 'HasPosition', 'PendingOrder', 'ActionBudget'],
  );
});

test('all gates pass → one IOC entry, verdicts recorded in order', () => {
  const r = rig();
  const rec = signal(r);
  assert.equal(rec?.decision, 'order');
  const names = rec?.gates.map((g) => g.gate) ?? [];
  const idx = ENTRY_GATE_ORDER.map((g) => names.indexOf(g));
  assert.deepEqual([...idx].sort((a, b) => a - b), idx, 'executor verdicts appear in gate order');
  const o = r.sink.orders[0];
  assert.equal(o?.wire.r, false);
  assert.deepEqual(o?.wire.t, { limit: { tif: 'Ioc' } });
});

test('gate 1 HardStop comes before everything (not ready either)', () => {
  const r = rig();
  r.engine.triggerHardStop('test');
  const rec = signal(r, { ready: false });
  assert.equal(rec?.reason, 'HardStop');
  assert.equal(r.sink.orders.length, 0);
});

test('gate 2 READY-TRADING: connected but not ready → no entry', () => {
  const r = rig();
  r.engine.onConnection(true);
  const rec = signal(r, { ready: false });
  assert.equal(rec?.reason, 'ReadyTrading');
  r.engine.onTradingReady(true);
  assert.equal(again(r)?.reason, 'ok');
  r.engine.onConnection(false);
  r.engine.onConnection(true);
  assert.equal(r.engine.readiness().tradingReady, false, 'a reconnect drops READY-TRADING until the venue layer re-arms it');
});

test('gate 3 MaxPositionPerMarket counts the new order at mark', () => {
  const r = rig({ maxPositionNotionalUsd: 30 } as Partial<CoreConfig>);
  const rec = signal(r);
  assert.equal(rec?.reason, 'MaxPositionPerMarket');
  const v = rec?.gates.find((g) => g.gate === 'MaxPositionPerMarket');
  assert.ok(v !== undefined && v.value !== undefined && v.value > 30);
});

test('incident #11: no mark price → no order (fails closed as MarketDataUnavailable)', () => {
  const r = rig({ maxMarkMidDivergenceBps: 0 });
  ready(r);
  warm(r, SILVER.coin, 100);
  r.engine.onAssetCtx(SILVER.coin, 101, 0, 1000, r.clock.t); // oracle jumps, mark missing
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.rec.signals.at(-1)?.reason, 'MarketDataUnavailable');
  assert.equal(r.sink.orders.length, 0);
});

test('gate 4 MaxPositionTotal includes other markets at their own marks', () => {
  const r = rig({ maxTotalNotionalUsd: 60 });
  ready(r);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01)], false); // $20 of GOLD
  const rec = signal(r);
  assert.equal(rec?.reason, 'MaxPositionTotal');
  const v = rec?.gates.find((g) => g.gate === 'MaxPositionTotal');
  assert.ok(v?.value !== undefined && Math.abs(v.value - (20 + 0.49 * 101)) < 1e-6, `${v?.value}`);
});

test('gate 5 MaxConcurrentPositions', () => {
  const r = rig({ maxConcurrentPositions: 1 });
  ready(r);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.005)], false);
  assert.equal(signal(r)?.reason, 'MaxConcurrentPositions');
});

test('gate 7 HasPosition: one position per market, no pyramiding', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  ready(r);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100, 0.2)], false);
  assert.equal(signal(r)?.reason, 'HasPosition');
});

test('gate 6 FlattenInProgress precedes HasPosition', () => {
  const r = rig({ timeStopMs: 1000 });
  ready(r);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100, 0.2)], false);
  const rec = signal(r); // warm() runs 12 s: the time stop fires and a flatten is in flight
  assert.equal(rec?.reason, 'FlattenInProgress');
  assert.ok(r.sink.orders.some((o) => o.wire.r === true));
});

test('gate 8 PendingOrder: a second signal while the first entry is in flight is skipped', () => {
  const r = rig();
  assert.equal(signal(r)?.reason, 'ok');
  assert.equal(again(r)?.reason, 'PendingOrder');
  assert.equal(r.sink.orders.length, 1);
});

test('gate 9 ActionBudget: entries beyond the budget are skipped; the pending mark stays free', () => {
  const r = rig({ actionBudgetOrders: 1, actionBudgetWindowMs: 10_000 });
  assert.equal(signal(r)?.reason, 'ok');
  const b = r.sink.last();
  assert.ok(b !== undefined);
  r.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ error: 'Order could not immediately match against any resting orders.' }] });
  assert.equal(again(r)?.reason, 'ActionBudget');
  r.clock.advance(10_000);
  r.engine.onAssetCtx(SILVER.coin, 102, 102, 1000, r.clock.t); // a fresh oracle move
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.rec.signals.at(-1)?.reason, 'ok');
});

test('ActionBudget is a sliding window', () => {
  const b = new ActionBudget(2, 1000);
  assert.ok(b.available(0));
  b.spend(0);
  b.spend(500);
  assert.equal(b.available(999), false);
  assert.equal(b.available(1000), true);
  b.spend(1000);
  assert.equal(b.available(1499), false);
  assert.equal(b.available(1500), true);
});

test('latent defect L4: a filled entry blocks re-entry before its userFill arrives', () => {
  const r = rig();
  signal(r);
  const b = r.sink.last();
  assert.ok(b !== undefined);
  const o = b.orders[0];
  assert.ok(o !== undefined);
  r.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ filled: { totalSz: o.wire.s, avgPx: '100.02', oid: 7 } }] });
  assert.equal(r.engine.positions()[0]?.size, Number(o.wire.s), 'provisional position from the post response');
  assert.equal(again(r)?.reason, 'HasPosition');
  assert.equal(r.sink.orders.filter((x) => !x.reduceOnly).length, 1);
});

test('reduce-only orders never pass the entry gates: exits flow while not ready and while hard-stopped', () => {
  const r = rig({ timeStopMs: 500 });
  r.engine.onConnection(true); // connected, not READY-TRADING
  warm(r, SILVER.coin, 100, { ms: 2000 });
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100, 0.2)], false);
  r.engine.triggerHardStop('test');
  const exits = r.sink.orders.filter((o) => o.reduceOnly);
  assert.equal(exits.length, 1);
  assert.equal(exits[0]?.wire.b, false);
  assert.equal(exits[0]?.wire.s, '0.2');
});
