import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapVenueStatus } from '../../src/core/tracker.ts';
import type { ReconcileSnapshot } from '../../src/core/types.ts';
import { enterLong, fill, GOLD, orderUpdate, type Rig, ready, rig, SILVER, T0, warm } from './helpers.ts';

const liveStates = (r: Rig) => r.engine.openOrders().map((o) => o.state);
const pendingOf = (r: Rig, coin = SILVER.coin) => r.engine.marketView(coin)?.pendingEntry ?? null;

test('incident #13: every documented status maps, and an unknown status is terminal', () => {
  assert.equal(mapVenueStatus('open'), 'resting');
  assert.equal(mapVenueStatus('triggered'), 'resting');
  assert.equal(mapVenueStatus('filled'), 'filled');
  assert.equal(mapVenueStatus('canceled'), 'cancelled');
  for (const s of ['marginCanceled', 'openInterestCapCanceled', 'reduceOnlyCanceled', 'scheduledCancel', 'internalCancel', 'selfTradeCanceled']) {
    assert.equal(mapVenueStatus(s), 'cancelled', s);
  }
  for (const s of ['rejected', 'iocCancelRejected', 'minTradeNtlRejected', 'perpMarginRejected', 'tooManyOpenOrdersRejected']) {
    assert.equal(mapVenueStatus(s), 'rejected', s);
  }
  assert.equal(mapVenueStatus('somethingBrandNew'), 'cancelled');
});

test('incident #13: an unknown orderUpdates status releases the pending order', () => {
  const r = rig();
  const e = enterLong(r);
  assert.equal(pendingOf(r), e.cloid);
  r.engine.onOrderUpdates([orderUpdate(SILVER.coin, e.cloid, 9, 'quantumCanceled', e.sz, e.sz)]);
  assert.equal(pendingOf(r), null);
  assert.deepEqual(liveStates(r), []);
});

test('incident #23: a post response "filled" with no orderUpdate closes the order and sets the position', () => {
  const r = rig();
  const e = enterLong(r);
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ filled: { totalSz: String(e.sz), avgPx: '100.02', oid: 11 } }] });
  assert.equal(pendingOf(r), null);
  assert.deepEqual(liveStates(r), []);
  assert.equal(r.engine.positions()[0]?.size, e.sz);
  // the userFill confirms without double counting (dedup by cloid/oid against the report)
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.02, e.sz, { cloid: e.cloid, oid: 11 })], false);
  assert.equal(r.engine.positions()[0]?.size, e.sz);
  assert.equal(r.engine.positions()[0]?.provisionalSize, 0);
});

test('fills deduplicated by tid; position is the sum of distinct fills', () => {
  const r = rig();
  const a = fill(GOLD.coin, 'B', 2000, 0.004, { tid: 1 });
  const b = fill(GOLD.coin, 'B', 2010, 0.006, { tid: 2 });
  r.engine.onUserFills([a, b, a], false);
  r.engine.onUserFills([b], false);
  const p = r.engine.positions().find((x) => x.coin === GOLD.coin);
  assert.equal(p?.size, 0.01);
  assert.ok(Math.abs((p?.avgEntryPx ?? 0) - 2006) < 1e-9);
  assert.equal(r.engine.counters.fillsDuplicate, 2);
});

test('incident #22: a userFills snapshot with old open/close fills does not change positions', () => {
  const r = rig();
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100, 1, { tid: 50 }), fill(GOLD.coin, 'A', 2000, 0.01, { tid: 51 })], true);
  assert.deepEqual(r.engine.positions(), []);
  // and those tids are remembered: replayed as a stream later, they still do not count
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100, 1, { tid: 50 })], false);
  assert.deepEqual(r.engine.positions(), []);
});

test('latent defect L12: a snapshot fill of an order we still track as live does count (missed while disconnected)', () => {
  const r = rig();
  const e = enterLong(r);
  r.engine.onConnection(false); // the order becomes unknown
  assert.deepEqual(liveStates(r), ['unknown']);
  r.engine.onConnection(true);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.02, e.sz, { cloid: e.cloid, tid: 77 })], true);
  assert.equal(r.engine.positions()[0]?.size, e.sz);
  assert.equal(pendingOf(r), null, 'the fill resolved the unknown order');
});

test('latent defect L5: a post error response releases the pending mark (never blocks the market)', () => {
  const r = rig();
  const e = enterLong(r);
  r.engine.onPostResult(e.batchId, { kind: 'error', message: 'L1 error: User or API Wallet 0x… does not exist.' });
  assert.equal(pendingOf(r), null);
  assert.deepEqual(liveStates(r), []);
  assert.equal(r.rec.orders.at(-1)?.to, 'rejected');
});

test('send failure (sink throws) releases the pending mark', () => {
  const r = rig();
  r.sink.throwNext = new Error('socket closed');
  assert.throws(() => enterLong(r)); // nothing recorded by the sink
  assert.equal(pendingOf(r), null);
  assert.equal(r.engine.counters.sendFailures, 1);
  assert.ok(r.rec.orders.some((o) => o.to === 'rejected' && o.detail.startsWith('sendFailed')));
});

test('per-order error status inside an ok response rejects just that order', () => {
  const r = rig();
  const e = enterLong(r);
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ error: 'Order could not immediately match against any resting orders.' }] });
  assert.equal(pendingOf(r), null);
  assert.equal(r.engine.counters.benignRejections, 1);
  assert.equal(r.engine.counters.nonBenignRejections, 0);
});

test('unknown (post timeout) is never assumed rejected: it holds the pending mark until resolved by orderStatus', () => {
  const r = rig({ postTimeoutMs: 1000, unknownRequeryMs: 500 });
  const e = enterLong(r);
  r.clock.advance(999);
  r.engine.onTimer();
  assert.deepEqual(liveStates(r), ['sent']);
  r.clock.advance(1);
  r.engine.onTimer();
  assert.deepEqual(liveStates(r), ['unknown']);
  assert.deepEqual(r.sink.statusQueries, [e.cloid]);
  assert.equal(pendingOf(r), e.cloid, 'still pending: it may have filled');
  r.clock.advance(500);
  r.engine.onTimer();
  assert.equal(r.sink.statusQueries.length, 2, 're-queried');
  r.engine.onOrderStatus(e.cloid, 'filled', e.sz);
  assert.equal(pendingOf(r), null);
  assert.equal(r.engine.positions()[0]?.size, e.sz);
});

test('unknown resolved as never placed (unknownOid) releases without a position', () => {
  const r = rig();
  const e = enterLong(r);
  r.engine.onPostResult(e.batchId, { kind: 'unknown' });
  assert.deepEqual(liveStates(r), ['unknown']);
  r.engine.onOrderStatus(e.cloid, 'unknownOid');
  assert.equal(pendingOf(r), null);
  assert.deepEqual(r.engine.positions(), []);
});

test('a late post response for an unknown order resolves it', () => {
  const r = rig({ postTimeoutMs: 100 });
  const e = enterLong(r);
  r.clock.advance(100);
  r.engine.onTimer();
  assert.deepEqual(liveStates(r), ['unknown']);
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ error: 'Order could not immediately match against any resting orders.' }] });
  assert.deepEqual(liveStates(r), []);
});

test('incident #31: one empty reconciliation reply between two non-empty ones does not flatten the local book', () => {
  const r = rig({ reconcileEmptyConfirmations: 3 });
  r.engine.onUserFills([fill(SILVER.coin, 'A', 100, 0.18, { time: T0 - 1000 })], false);
  r.clock.advance(10);
  const requestedAtMs = r.clock.t;
  const snap = { venueTimeMs: T0, requestedAtMs, positions: [{ coin: SILVER.coin, szi: -0.18 }] };
  r.engine.onReconcile(snap);
  r.engine.onReconcile({ venueTimeMs: T0 + 1, requestedAtMs, positions: [] });
  assert.equal(r.engine.positions()[0]?.size, -0.18);
  r.engine.onReconcile({ ...snap, venueTimeMs: T0 + 2 });
  r.engine.onReconcile({ venueTimeMs: T0 + 3, requestedAtMs, positions: [] });
  r.engine.onReconcile({ venueTimeMs: T0 + 4, requestedAtMs, positions: [] });
  assert.equal(r.engine.positions()[0]?.size, -0.18, 'two empties are still not enough');
  r.engine.onReconcile({ venueTimeMs: T0 + 5, requestedAtMs, positions: [] });
  assert.deepEqual(r.engine.positions(), [], 'three agreeing empty replies are believed');
});

test('incident #28: reconciliation never clears state first; a signal racing a resync cannot exceed limits', () => {
  const r = rig();
  const e = enterLong(r);
  r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
  // resync arrives while the entry is in flight and reports no position yet: the market is not quiet
  r.engine.onReconcile({ venueTimeMs: T0, requestedAtMs: r.clock.t, positions: [{ coin: GOLD.coin, szi: 0.001 }] });
  assert.equal(pendingOf(r), e.cloid, 'pending mark untouched by the resync');
  r.clock.advance(5);
  r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 201, r.clock.t);
  assert.equal(r.sink.orders.filter((o) => !o.reduceOnly).length, 1, 'no second entry');
  assert.equal(r.rec.signals.at(-1)?.reason, 'PendingOrder');
});

test('incident #51: a position keeps its opening time across reconciliations', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01)], false);
  const opened = r.engine.positions()[0]?.openedAtMs;
  for (let i = 0; i < 5; i++) {
    r.clock.advance(60_000);
    r.engine.onReconcile({ venueTimeMs: r.clock.t, requestedAtMs: r.clock.t, positions: [{ coin: GOLD.coin, szi: 0.01, entryPx: 2000 }] });
  }
  assert.equal(r.engine.positions()[0]?.openedAtMs, opened);
});

test('reconciliation adopts a position the tracker did not know, and later fills before its time are not double counted', () => {
  const r = rig();
  r.engine.onReconcile({ venueTimeMs: T0 + 5000, requestedAtMs: r.clock.t, positions: [{ coin: GOLD.coin, szi: 0.02, entryPx: 2001 }] });
  const p = r.engine.positions()[0];
  assert.equal(p?.size, 0.02);
  assert.equal(p?.avgEntryPx, 2001);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2001, 0.02, { time: T0 + 4000 })], false);
  assert.equal(r.engine.positions()[0]?.size, 0.02);
  r.engine.onUserFills([fill(GOLD.coin, 'A', 2002, 0.02, { time: T0 + 6000 })], false);
  assert.deepEqual(r.engine.positions(), []);
});

test('incident #49: reconciliation cancels orphan orders (open at the venue, unknown to the tracker)', () => {
  const r = rig();
  r.engine.onReconcile({ venueTimeMs: r.clock.t, requestedAtMs: r.clock.t, positions: [], openOrders: [{ coin: GOLD.coin, oid: 4242, cloid: null }] });
  const cancels = r.sink.batches.flatMap((b) => b.cancels);
  assert.deepEqual(cancels, [{ a: GOLD.assetId, o: 4242 }]);
});

test('orderUpdates confirm: open → resting, then filled via remaining size', () => {
  const r = rig();
  const e = enterLong(r);
  r.engine.onOrderUpdates([orderUpdate(SILVER.coin, e.cloid, 5, 'open', e.sz, e.sz)]);
  assert.deepEqual(liveStates(r), ['resting']);
  r.engine.onOrderUpdates([orderUpdate(SILVER.coin, e.cloid, 5, 'filled', e.sz, 0)]);
  assert.deepEqual(liveStates(r), []);
  assert.equal(r.engine.positions()[0]?.size, e.sz);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.02, e.sz, { oid: 5 })], false); // matched by oid
  assert.equal(r.engine.positions()[0]?.size, e.sz);
});

test('partial IOC fill: the remainder is cancelled, the pending mark released, the position is the filled part', () => {
  const r = rig();
  const e = enterLong(r);
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ filled: { totalSz: '0.2', avgPx: '100.01', oid: 3 } }] });
  assert.equal(pendingOf(r), null);
  assert.equal(r.engine.positions()[0]?.size, 0.2);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.01, 0.1, { oid: 3 }), fill(SILVER.coin, 'B', 100.01, 0.1, { oid: 3 })], false);
  assert.equal(r.engine.positions()[0]?.size, 0.2);
  assert.equal(r.engine.positions()[0]?.provisionalSize, 0);
});

test('round trip: realised PnL includes fees, signalled vs realised edge, entry slippage', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  const e = enterLong(r);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.04, e.sz, { cloid: e.cloid, fee: 0.02 })], false);
  r.engine.onUserFills([fill(SILVER.coin, 'A', 100.5, e.sz, { fee: 0.02 })], false);
  const rt = r.rec.roundTrips[0];
  assert.ok(rt !== undefined);
  assert.ok(Math.abs(rt.grossPnlUsd - (100.5 - 100.04) * e.sz) < 1e-9);
  assert.ok(Math.abs(rt.pnlUsd - (rt.grossPnlUsd - 0.04)) < 1e-9);
  assert.ok(Math.abs((rt.entrySlippageBps ?? 0) - ((100.04 - 100.02) / 100.02) * 1e4) < 1e-9);
  assert.ok(rt.signalledEdgeBps !== null && rt.signalledEdgeBps > 90);
  assert.ok(Math.abs(rt.realisedEdgeBps - ((100.5 - 100.04) / 100.04) * 1e4) < 1e-9);
});

test('a reconciliation snapshot older than the latest fill never undoes that fill', () => {
  const r = rig();
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01, { time: T0 + 5000 })], false);
  r.clock.advance(10);
  const requestedAtMs = r.clock.t;
  r.engine.onReconcile({ venueTimeMs: T0 + 4000, requestedAtMs, positions: [] }); // describes the venue before the fill
  r.engine.onReconcile({ venueTimeMs: T0 + 4000, requestedAtMs, positions: [{ coin: SILVER.coin, szi: 0.1 }] });
  assert.equal(r.engine.positions().find((p) => p.coin === GOLD.coin)?.size, 0.01);
  assert.equal(r.engine.counters.reconcileDeferred, 1);
});

test('defect 1: a filled-but-unknown IOC is never declared cancelled by reconciliation; no second entry', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  const e = enterLong(r);
  r.engine.onPostResult(e.batchId, { kind: 'unknown' }); // response lost; the IOC did fill at the venue
  r.clock.advance(100);
  // reconciliation requested after the send: no open orders (an IOC never rests), the position lagging or not
  r.engine.onReconcile({ venueTimeMs: r.clock.t, requestedAtMs: r.clock.t, positions: [], openOrders: [] });
  r.engine.onReconcile({ venueTimeMs: r.clock.t, requestedAtMs: r.clock.t, positions: [{ coin: SILVER.coin, szi: e.sz }], openOrders: [] });
  assert.deepEqual(liveStates(r), ['unknown'], 'absence from openOrders resolves nothing');
  assert.equal(pendingOf(r), e.cloid);
  // a new opportunity while the first entry's fate is unknown: blocked by the pending mark
  r.engine.onAssetCtx(SILVER.coin, 102, 102, 1000, r.clock.t);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 100.5, 200, 100.6, 200, r.clock.t);
  assert.equal(r.sink.orders.filter((o) => !o.reduceOnly).length, 1, 'no second entry');
  assert.equal(r.rec.signals.at(-1)?.reason, 'PendingOrder');
  // only the venue's order status (or fills) resolves it
  r.engine.onOrderStatus(e.cloid, 'filled', e.sz);
  assert.equal(pendingOf(r), null);
  assert.equal(r.engine.positions()[0]?.size, e.sz);
});

test('a reconciliation requested before a local fill never undoes it, whatever its venue time (requestedAtMs)', () => {
  const r = rig({ reconcileEmptyConfirmations: 1, timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0 });
  const requestedAtMs = r.clock.t; // the request leaves…
  r.clock.advance(50);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01, { time: T0 - 100 })], false); // …a fill arrives…
  r.clock.advance(50);
  // …and the answer (built before the fill reached the venue's state) says flat, stamped later
  r.engine.onReconcile({ venueTimeMs: r.clock.t, requestedAtMs, positions: [] });
  assert.equal(r.engine.positions().find((p) => p.coin === GOLD.coin)?.size, 0.01);
  assert.equal(r.engine.counters.reconcileDeferred, 1);
  // a snapshot requested after the change may correct it
  r.engine.onReconcile({ venueTimeMs: r.clock.t, requestedAtMs: r.clock.t, positions: [{ coin: GOLD.coin, szi: 0.02 }] });
  assert.equal(r.engine.positions().find((p) => p.coin === GOLD.coin)?.size, 0.02);
});

test('a snapshot without a finite requestedAtMs is refused, not guessed', () => {
  const r = rig({ reconcileEmptyConfirmations: 1 });
  r.engine.onReconcile({ venueTimeMs: r.clock.t, positions: [{ coin: GOLD.coin, szi: 0.02 }] } as unknown as ReconcileSnapshot);
  assert.deepEqual(r.engine.positions(), []);
  assert.equal(r.engine.counters.reconcileRefused, 1);
});

test('latent defect L14: an external fill (foreign cloid) is the account\'s risk — counted, gated, exited, labelled external, never absorbed into our order', () => {
  const r = rig({ timeStopMs: 2000, exitThresholdBps: 0, oracleReversalBps: 0, edgeEvaporationExit: false });
  const e = enterLong(r);
  // our IOC filled per the post response; its userFill is still to come (provisional position)
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ filled: { totalSz: String(e.sz), avgPx: '100.02', oid: 1 } }] });
  assert.equal(r.engine.positions()[0]?.size, e.sz);
  // someone else's order on the same account, market and side (an operator, another tool)
  const foreign = '0xffffffffffffffffffffffffffffffff';
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.03, 0.1, { cloid: foreign, oid: 999 })], false);
  const after = e.sz + 0.1;
  assert.equal(r.engine.positions()[0]?.size, after, 'added to the position, not swallowed by our pending report');
  assert.equal(r.rec.fills.at(-1)?.purpose, 'external');
  assert.equal(r.rec.fills.at(-1)?.cloid, null);
  assert.equal(r.engine.counters.externalFills, 1);
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.02, e.sz, { cloid: e.cloid, oid: 1 })], false); // ours arrives
  assert.equal(r.engine.positions()[0]?.size, after);
  assert.equal(r.engine.positions()[0]?.provisionalSize, 0);
  // gated: no entry on that market while the account holds it
  r.engine.onAssetCtx(SILVER.coin, 102, 102, 1000, r.clock.t);
  r.clock.advance(50);
  r.engine.onBbo(SILVER.coin, 100.5, 200, 100.6, 200, r.clock.t);
  assert.ok(['MaxPositionPerMarket', 'HasPosition'].includes(r.rec.signals.at(-1)?.reason ?? ''), r.rec.signals.at(-1)?.reason);
  assert.equal(r.sink.orders.filter((o) => !o.reduceOnly).length, 1);
  // exited like any position: the time stop flattens all of it
  r.clock.advance(2000);
  r.engine.onTimer();
  const exit = r.sink.orders.filter((o) => o.reduceOnly);
  assert.equal(exit.length, 1);
  assert.equal(Number(exit[0]?.wire.s), after);
});

test('latent defect L14: a foreign fill with no position of ours opens an "external" round trip that the exits close', () => {
  const r = rig({ timeStopMs: 1000, exitThresholdBps: 0, oracleReversalBps: 0, edgeEvaporationExit: false });
  r.engine.onConnection(true);
  r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
  r.engine.onBbo(GOLD.coin, 1999, 1, 2001, 1, r.clock.t);
  r.engine.onUserFills([fill(GOLD.coin, 'A', 2000, 0.01, { cloid: '0x0000000000000000000000000000beef', oid: 5 })], false);
  r.clock.advance(1000);
  r.engine.onTimer();
  const x = r.sink.last()?.orders[0];
  assert.ok(x?.reduceOnly === true && x.wire.b === true && x.wire.s === '0.01');
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2001, 0.01, { cloid: x.cloid })], false);
  assert.deepEqual(r.engine.positions(), []);
  assert.equal(r.rec.roundTrips[0]?.entryReason, 'external');
  assert.equal(r.rec.roundTrips[0]?.exitReason, 'timeStop');
});

test('incident #8: entries filled only through userFills (no post response, no orderUpdate) never pile up pending notional', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0, edgeEvaporationExit: false, correlationCooldownCloses: 0 });
  const e = enterLong(r);
  let cloid = e.cloid;
  const oracle = 101;
  for (let cycle = 0; cycle < 4; cycle++) {
    const o = r.sink.orders.find((x) => x.cloid === cloid);
    assert.ok(o !== undefined);
    const sz = Number(o.wire.s);
    // the post response is lost; only the streaming userFill (delivered twice) says it filled
    const f = fill(SILVER.coin, 'B', 100.02, sz, { cloid });
    r.engine.onUserFills([f], false);
    r.engine.onUserFills([f], false);
    assert.equal(pendingOf(r), null, `cycle ${cycle}: pending released by the fill`);
    assert.equal(r.engine.positions()[0]?.size, sz);
    r.engine.onUserFills([fill(SILVER.coin, 'A', 100.02, sz)], false); // closed (outside the strategy)
    assert.deepEqual(r.engine.positions(), []);
    // next opportunity: the total the gate sees is just the new order, no ghost of the earlier ones
    r.engine.onAssetCtx(SILVER.coin, 100, 100, 1000, r.clock.t); // the oracle comes back…
    r.clock.advance(1000);
    r.engine.onAssetCtx(SILVER.coin, oracle, oracle, 1000, r.clock.t); // …and jumps again
    r.clock.advance(50);
    r.engine.onBbo(SILVER.coin, 99.98, 200, 100.02, 200 + cycle, r.clock.t);
    const rec = r.rec.signals.at(-1);
    assert.equal(rec?.reason, 'ok', `cycle ${cycle}`);
    const total = rec?.gates.find((g) => g.gate === 'MaxPositionTotal')?.value;
    assert.ok(total !== undefined && Math.abs(total - Number(rec?.size) * oracle) < 1e-9, `cycle ${cycle}: total ${total}`);
    cloid = rec?.cloid ?? '';
  }
});

test('a fill of an order sent after a reconciliation request always counts, even with a venue time before the snapshot\'s', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 0, edgeEvaporationExit: false });
  ready(r);
  // adopted by reconciliation; the snapshot is stamped later than the venue's clock shows for the next fill
  r.engine.onReconcile({ venueTimeMs: T0 + 60_000, requestedAtMs: r.clock.t, positions: [{ coin: GOLD.coin, szi: 0.01, entryPx: 2000 }] });
  assert.equal(r.engine.positions()[0]?.size, 0.01);
  warm(r, SILVER.coin, 100, { ms: 2000 });
  r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
  r.engine.onBbo(GOLD.coin, 1999, 1, 2001, 1, r.clock.t);
  r.engine.triggerHardStop('flatten GOLD'); // a flatten sent after the request
  const x = r.sink.orders.find((o) => o.coin === GOLD.coin && o.reduceOnly);
  assert.ok(x !== undefined);
  r.engine.onUserFills([fill(GOLD.coin, 'A', 1999, 0.01, { cloid: x.cloid, time: T0 + 30_000 })], false);
  assert.deepEqual(r.engine.positions(), [], 'the flatten\'s fill is not mistaken for one the snapshot included');
});
