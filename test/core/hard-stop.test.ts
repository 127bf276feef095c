import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCoreConfig } from '../../src/core/config.ts';
import { HardStop } from '../../src/core/hard-stop.ts';
import { isBenignRejection, RiskMonitor } from '../../src/core/risk-monitor.ts';
import { enterLong, fill, GOLD, oracleJump, orderUpdate, ready, rig, SILVER, warm } from './helpers.ts';

test('HardStop latch: first reason wins, reset is explicit', () => {
  const h = new HardStop();
  assert.equal(h.trigger('a', 1), true);
  assert.equal(h.trigger('b', 2), false);
  assert.equal(h.reason, 'a');
  assert.equal(h.latched, true);
  h.reset();
  assert.equal(h.latched, false);
});

test('incident #24: benign rejections are recognised by status and by message', () => {
  for (const s of [
    'iocCancelRejected',
    'minTradeNtlRejected',
    'reduceOnlyRejected',
    'Order could not immediately match against any resting orders.',
    'Reduce only order would increase position.',
    'Order has zero size.',
    'Order must have minimum value of $10.',
  ]) {
    assert.equal(isBenignRejection(s), true, s);
  }
  for (const s of ['perpMarginRejected', 'Insufficient margin to place order.', 'Price must be divisible by tick size.', 'postError: Invalid nonce']) {
    assert.equal(isBenignRejection(s), false, s);
  }
});

test('incident #24: 20 benign rejections do not trip the hard stop; 11 non-benign ones do', () => {
  const m = new RiskMonitor({ ...defaultCoreConfig, maxRejectionsInWindow: 10 });
  for (let i = 0; i < 20; i++) assert.equal(m.onRejection('iocCancelRejected', i), null);
  assert.equal(m.benignRejections, 20);
  for (let i = 0; i < 10; i++) assert.equal(m.onRejection('perpMarginRejected', 100 + i), null);
  assert.notEqual(m.onRejection('perpMarginRejected', 200), null);
});

test('latent defect L17: the rejection window is rolling, not fixed', () => {
  const m = new RiskMonitor({ ...defaultCoreConfig, maxRejectionsInWindow: 2, rejectionWindowMs: 1000 });
  assert.equal(m.onRejection('x', 0), null);
  assert.equal(m.onRejection('x', 900), null);
  assert.equal(m.onRejection('x', 1001), null, 'the first one left the window');
  assert.notEqual(m.onRejection('x', 1500), null, '900, 1001, 1500 within 1000 ms');
});

test('latent defect L6: loss triggers are fed — cumulative realised loss with fees, consecutive losses', () => {
  const m = new RiskMonitor({ ...defaultCoreConfig, maxCumulativeLossUsd: 1, maxConsecutiveLosses: 3 });
  assert.equal(m.onRoundTrip(-0.4), null);
  assert.equal(m.onRoundTrip(0.1), null);
  assert.equal(m.onRoundTrip(-0.4), null);
  assert.match(m.onRoundTrip(-0.4) ?? '', /cumulativeLoss/);
  const c = new RiskMonitor({ ...defaultCoreConfig, maxCumulativeLossUsd: 100, maxConsecutiveLosses: 3 });
  c.onRoundTrip(-0.01);
  c.onRoundTrip(-0.01);
  assert.match(c.onRoundTrip(-0.01) ?? '', /consecutiveLosses/);
});

test('risk monitor: flatten failures, extreme slippage, disconnection with positions', () => {
  const m = new RiskMonitor({ ...defaultCoreConfig, maxFlattenFailures: 2, slippageExcessBps: 50, maxExtremeSlippageFills: 2, maxDisconnectedWithPositionMs: 1000 });
  assert.equal(m.onFlattenFailure('a'), null);
  m.onFlat('a');
  assert.equal(m.onFlattenFailure('a'), null);
  assert.notEqual(m.onFlattenFailure('a'), null);
  assert.equal(m.onSlippage(60), null);
  assert.equal(m.onSlippage(10), null);
  assert.equal(m.onSlippage(60), null);
  assert.notEqual(m.onSlippage(70), null);
  m.onConnection(false, 0);
  assert.equal(m.checkTime(5000, false), null, 'no position, no trigger');
  assert.equal(m.checkTime(1000, true), null);
  assert.notEqual(m.checkTime(1001, true), null);
  m.onConnection(true, 1002);
  assert.equal(m.checkTime(9999, true), null);
});

test('a realised loss beyond the limit latches the hard stop from the fills themselves (fees included)', () => {
  const r = rig({ maxCumulativeLossUsd: 0.5 });
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01, { fee: 0.01 })], false);
  r.engine.onUserFills([fill(GOLD.coin, 'A', 1960, 0.01, { fee: 0.01 })], false); // −0.40 − 0.02 fees
  assert.equal(r.engine.hardStopState().latched, false);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01, { fee: 0.01 })], false);
  r.engine.onUserFills([fill(GOLD.coin, 'A', 1992, 0.01, { fee: 0.01 })], false); // −0.08 − 0.02 → −0.52
  const h = r.engine.hardStopState();
  assert.equal(h.latched, true);
  assert.match(h.reason, /cumulativeLoss/);
  assert.equal(r.rec.roundTrips.length, 2);
});

test('on trigger: new orders queued in the same event are purged and cleaned up', () => {
  const r = rig();
  let purgedAtTrigger = false;
  r.rec.onSignal = (s) => {
    r.rec.signals.push(s);
    if (s.decision === 'order') {
      r.engine.triggerHardStop('from the journal'); // re-entrant, same event
      purgedAtTrigger = r.engine.marketView(SILVER.coin)?.pendingEntry === null && r.engine.openOrders().length === 0;
    }
  };
  ready(r);
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.sink.orders.length, 0, 'the entry never reached the sink');
  assert.equal(r.engine.openOrders().length, 0);
  assert.equal(r.engine.marketView(SILVER.coin)?.pendingEntry, null, 'pending mark released');
  assert.ok(r.rec.orders.some((o) => o.to === 'cancelled' && o.detail === 'hardStopPurge'));
  assert.equal(r.engine.counters.hardStopPurged, 1);
  assert.equal(purgedAtTrigger, true, 'purged by the trigger itself, not only by the hand-off guard');
});

test('defect 5: the guard runs before markSent: a purged entry is never journaled as sent', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  // a latch set by an observer after the entry was queued (its `created` event): only the hand-off guard
  // can stop it, and the journal must show created → cancelled, never sent
  r.rec.onOrder = (e) => {
    r.rec.orders.push(e);
    if (e.to === 'created' && e.purpose === 'entry') r.engine.triggerHardStop('mid-event');
  };
  ready(r);
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.sink.orders.filter((o) => !o.reduceOnly).length, 0);
  assert.equal(r.engine.marketView(SILVER.coin)?.pendingEntry, null);
  const entry = r.rec.orders.filter((o) => o.purpose === 'entry').map((o) => `${o.from}->${o.to}:${o.detail}`);
  assert.deepEqual(entry, ['created->created:signal', 'created->cancelled:hardStopPurge']);
  assert.equal(r.engine.counters.hardStopPurged, 1);
});

test('observers hear `sent` only after the hand-off (nothing runs between the guard and the sink)', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  let handedOffWhenHeard: boolean | null = null;
  r.rec.onOrder = (e) => {
    r.rec.orders.push(e);
    if (e.to === 'sent' && e.purpose === 'entry') {
      handedOffWhenHeard = r.sink.orders.some((o) => o.cloid === e.cloid);
      r.engine.triggerHardStop('after the hand-off'); // too late to stop this order: it is already out
    }
  };
  // a sink answering synchronously: the journal still reads created → sent → cancelled, in that order
  r.sink.onSend = (b) => {
    if (b.orders.length > 0) r.engine.onPostResult(b.id, { kind: 'ok', statuses: b.orders.map(() => ({ error: 'Order could not immediately match against any resting orders.' })) });
  };
  ready(r);
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(handedOffWhenHeard, true);
  const entry = r.rec.orders.filter((o) => o.purpose === 'entry').map((o) => `${o.from}->${o.to}`);
  assert.deepEqual(entry, ['created->created', 'created->sent', 'sent->rejected']);
  assert.equal(r.engine.counters.hardStopPurged, 0);
});

test('on trigger: cancel every resting order, flatten every position; completion only when all is flat', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  const e = enterLong(r);
  r.engine.onOrderUpdates([orderUpdate(SILVER.coin, e.cloid, 77, 'open', e.sz, e.sz)]); // resting (unexpected for an IOC, but possible)
  r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
  r.engine.onBbo(GOLD.coin, 1999, 1, 2001, 1, r.clock.t);
  r.engine.onUserFills([fill(GOLD.coin, 'A', 2000, 0.01)], false); // short GOLD
  const before = r.sink.batches.length;
  r.engine.triggerHardStop('operator test');
  const b = r.sink.batches[before];
  assert.ok(b !== undefined);
  assert.deepEqual(b.cancels, [{ a: SILVER.assetId, o: 77 }]);
  assert.equal(b.orders.length, 1, 'GOLD flatten (SILVER has no position yet)');
  assert.deepEqual([b.orders[0]?.coin, b.orders[0]?.wire.b, b.orders[0]?.wire.r, b.orders[0]?.wire.s], [GOLD.coin, true, true, '0.01']);
  assert.equal(r.rec.hardStops[0]?.kind, 'triggered');
  // the resting entry fills anyway before the cancel lands: it is flattened too
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.02, e.sz, { oid: 77 })], false);
  const silverExit = r.sink.orders.find((o) => o.coin === SILVER.coin && o.reduceOnly);
  assert.ok(silverExit !== undefined, 'late fill flattened');
  assert.equal(r.engine.hardStopState().completedAtMs, null);
  r.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ filled: { totalSz: '0.01', avgPx: '2001', oid: 5 } }] });
  assert.equal(r.engine.hardStopState().completedAtMs, null, 'SILVER still open');
  const sb = r.sink.last();
  assert.ok(sb !== undefined);
  r.engine.onPostResult(sb.id, { kind: 'ok', statuses: [{ filled: { totalSz: String(e.sz), avgPx: '99.9', oid: 6 } }] });
  assert.notEqual(r.engine.hardStopState().completedAtMs, null);
  assert.equal(r.rec.hardStops.at(-1)?.kind, 'completed');
  assert.deepEqual(r.engine.positions(), [], 'flat (closes reported, their fills still to come)');
  assert.notEqual(r.engine.marketView(GOLD.coin)?.confirmedPosition, 0);
});

test('while latched no new order is emitted; leaving the stopped state is an explicit operator call', () => {
  const r = rig();
  ready(r);
  r.engine.triggerHardStop('x');
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  for (let i = 0; i < 20; i++) {
    r.clock.advance(30);
    r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
    r.engine.onTimer();
  }
  assert.equal(r.sink.orders.filter((o) => !o.reduceOnly).length, 0);
  assert.equal(r.engine.hardStopState().latched, true, 'nothing resets it by itself');
  r.engine.resetHardStop();
  assert.equal(r.engine.hardStopState().latched, false);
  r.engine.onAssetCtx(SILVER.coin, 102, 102, 1000, r.clock.t);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.sink.orders.filter((o) => !o.reduceOnly).length, 1);
});

test('disconnected with an open position longer than the limit latches the hard stop', () => {
  const r = rig({ maxDisconnectedWithPositionMs: 5000, timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  r.engine.onConnection(true);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01)], false);
  r.engine.onConnection(false);
  r.clock.advance(5000);
  r.engine.onTimer();
  assert.equal(r.engine.hardStopState().latched, false);
  r.clock.advance(1);
  r.engine.onTimer();
  assert.match(r.engine.hardStopState().reason, /disconnected/);
});

test('repeated flatten failures latch the hard stop, and the flatten keeps being retried', () => {
  const r = rig({ maxFlattenFailures: 3, flattenRetryBackoffMs: 50, timeStopMs: 100, exitThresholdBps: 0, oracleReversalBps: 0 });
  r.engine.onConnection(true);
  r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
  r.engine.onBbo(GOLD.coin, 1999, 1, 2001, 1, r.clock.t);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01)], false);
  for (let i = 0; i < 6; i++) {
    r.clock.advance(100);
    r.engine.onTimer();
    const b = r.sink.last();
    if (b !== undefined && r.engine.openOrders().some((o) => o.state === 'sent')) {
      r.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ error: 'Order could not immediately match against any resting orders.' }] });
    }
  }
  assert.match(r.engine.hardStopState().reason, /flattenFailures/);
  assert.ok(r.sink.orders.filter((o) => o.reduceOnly).length >= 4);
});

test('incident #19: a failed hand-off leaves no ghost pending mark', () => {
  const r = rig();
  r.sink.throwNext = new Error('queue full');
  ready(r);
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.engine.marketView(SILVER.coin)?.pendingEntry, null);
  r.clock.advance(5);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 201, r.clock.t);
  assert.equal(r.sink.orders.length, 1, 'the next signal trades');
});

test('defect 3: a hard stop latched by a failed send flattens every position in the same event', () => {
  const r = rig({ maxRejectionsInWindow: 0, timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  ready(r);
  r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
  r.engine.onBbo(GOLD.coin, 1999, 1, 2001, 1, r.clock.t);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01)], false);
  warm(r, SILVER.coin, 100);
  oracleJump(r, SILVER.coin, 100, 100);
  r.clock.advance(50);
  r.sink.throwNext = new Error('socket write failed'); // the entry's hand-off fails → rejection → latch
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200, r.clock.t);
  assert.equal(r.engine.hardStopState().latched, true);
  const exits = r.sink.orders.filter((o) => o.coin === GOLD.coin && o.reduceOnly);
  assert.equal(exits.length, 1, 'GOLD flatten handed off in the event that latched the stop');
  assert.equal(exits[0]?.wire.b, false);
  assert.equal(r.sink.orders.filter((o) => !o.reduceOnly).length, 0);
});
