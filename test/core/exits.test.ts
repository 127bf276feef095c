import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCoreConfig, defaultMarketTuning, type MarketTuning, validateCoreConfig } from '../../src/core/config.ts';
import { exitReason } from '../../src/core/exits.ts';
import { MarketState } from '../../src/core/market-state.ts';
import { enterLong, fill, GOLD, type Rig, rig, SILVER, T0 } from './helpers.ts';

const tuning = (over: Partial<MarketTuning> = {}): MarketTuning => ({ ...defaultMarketTuning, edgeMode: 'raw', ...over });

function market(oracle: number, bid: number, ask: number): MarketState {
  const m = new MarketState('x', 30_000, 60_000);
  m.onCtx(oracle, oracle, 1, 0, T0);
  m.onBbo(bid, 10, ask, 10, 0, T0);
  return m;
}

test('exitReason: mark regression after the minimum holding time (long and short)', () => {
  const t = tuning({ exitThresholdBps: 5, minHoldingMs: 300, timeStopMs: 0, oracleReversalBps: 0, edgeEvaporationExit: false });
  const long = { size: 1, avgEntryPx: 100, openedAtMs: T0, entryOraclePx: 101 };
  const m = market(101, 100.96, 101.0); // bid within 5 bps of the oracle (101 × 0.9995 = 100.9495)
  assert.equal(exitReason(long, m, t, T0 + 299), null, 'min holding');
  assert.equal(exitReason(long, m, t, T0 + 300), 'markRegression');
  assert.equal(exitReason(long, market(101, 100.9, 100.95), t, T0 + 1000), null, 'book still stale');
  const short = { size: -1, avgEntryPx: 102, openedAtMs: T0, entryOraclePx: 101 };
  assert.equal(exitReason(short, market(101, 100.98, 101.04), t, T0 + 1000), 'markRegression');
  assert.equal(exitReason(short, market(101, 101.1, 101.2), t, T0 + 1000), null);
});

test('exitReason: time stop, oracle reversal, and quick profit bypassing min holding (incident #52)', () => {
  const t = tuning({ exitThresholdBps: 0, minHoldingMs: 5000, timeStopMs: 3000, oracleReversalBps: 15, quickProfitBps: 10 });
  const long = { size: 1, avgEntryPx: 100, openedAtMs: T0, entryOraclePx: 101 };
  assert.equal(exitReason(long, market(101, 99, 99.1), t, T0 + 3000), 'timeStop');
  assert.equal(exitReason(long, market(100.8, 99, 99.1), t, T0 + 100), 'oracleReversal');
  assert.equal(exitReason(long, market(101, 100.15, 100.2), t, T0 + 100), 'quickProfit');
  assert.equal(exitReason(long, market(101, 100.05, 100.2), t, T0 + 100), null);
});

test('incident #38: opening into an existing oracle streak does not exit immediately (moves counted from entry)', () => {
  const t = tuning({ oracleReversalBps: 15, timeStopMs: 0, exitThresholdBps: 0 });
  const m = new MarketState('x', 30_000, 60_000);
  for (const px of [102, 101.5, 101, 100.5]) m.onCtx(px, px, 1, 0, T0); // a falling streak
  m.onBbo(100.3, 10, 100.4, 10, 0, T0);
  assert.equal(exitReason({ size: 1, avgEntryPx: 100.4, openedAtMs: T0, entryOraclePx: 100.5 }, m, t, T0 + 10), null);
});

/** A long SILVER position of e.sz, confirmed by fill, with exits limited to mark regression. */
function longPosition(over: Parameters<typeof rig>[0] = {}) {
  const r = rig({ timeStopMs: 0, oracleReversalBps: 0, minHoldingMs: 300, exitThresholdBps: 5, ...over });
  const e = enterLong(r);
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ filled: { totalSz: String(e.sz), avgPx: '100.02', oid: 1 } }] });
  r.engine.onUserFills([fill(SILVER.coin, 'B', 100.02, e.sz, { cloid: e.cloid, oid: 1 })], false);
  return { r, e };
}

const exitOrders = (r: Rig) => r.sink.orders.filter((o) => o.reduceOnly);

test('event-driven ExitWatcher: the bbo that shows regression sends the reduce-only IOC in the same event', () => {
  const { r, e } = longPosition();
  r.clock.advance(400);
  r.engine.onBbo(SILVER.coin, 100.99, 200, 101.03, 200, r.clock.t); // makers caught up to the new oracle 101
  const x = exitOrders(r);
  assert.equal(x.length, 1);
  assert.equal(x[0]?.wire.b, false);
  assert.equal(x[0]?.wire.r, true);
  assert.equal(x[0]?.wire.s, String(e.sz));
  assert.deepEqual(x[0]?.wire.t, { limit: { tif: 'Ioc' } });
  assert.ok(Number(x[0]?.wire.p) < 100.99 && Number(x[0]?.wire.p) >= 100.99 * (1 - 30 / 1e4), `exit px ${x[0]?.wire.p} within the allowance`);
  assert.equal(r.rec.exits[0]?.reason, 'markRegression');
});

test('polling backup (onTimer) catches an exit condition no market event reported', () => {
  const { r } = longPosition({ timeStopMs: 2000 });
  r.clock.advance(2000);
  assert.equal(exitOrders(r).length, 0);
  r.engine.onTimer();
  assert.equal(exitOrders(r).length, 1);
  assert.equal(r.rec.exits[0]?.reason, 'timeStop');
});

test('incident #30: N exit triggers within 1 s (events and polls) produce exactly one in-flight flatten', () => {
  const { r } = longPosition();
  r.clock.advance(400);
  for (let i = 0; i < 50; i++) {
    r.clock.advance(20);
    r.engine.onBbo(SILVER.coin, 100.99, 200, 101.03, 200, r.clock.t);
    if (i % 10 === 0) r.engine.onTimer();
    r.engine.onAssetCtx(SILVER.coin, 101, 101, 1000, r.clock.t);
  }
  assert.equal(exitOrders(r).length, 1);
});

for (const outcome of ['fill', 'partial fill', 'iocCancelRejected', 'reduceOnlyRejected', 'timeout'] as const) {
  test(`incident #35 / latent defects L1, L2: flatten outcome "${outcome}" converges to flat with retries, never two in flight`, () => {
    const { r, e } = longPosition({ postTimeoutMs: 250, unknownRequeryMs: 200, flattenTimeoutMs: 500, flattenRetryBackoffMs: 100, maxFlattenFailures: 0 });
    r.clock.advance(400);
    r.engine.onBbo(SILVER.coin, 100.99, 200, 101.03, 200, r.clock.t);
    let remaining = e.sz;
    let tid = 900;
    for (let round = 0; round < 20 && remaining > 0; round++) {
      const live = r.engine.openOrders().filter((o) => o.reduceOnly);
      assert.ok(live.length <= 1, 'at most one flatten in flight, unknown ones included');
      const b = r.sink.last();
      assert.ok(b !== undefined);
      const o = b.orders.find((x) => x.reduceOnly);
      if (o !== undefined && live.length === 1) {
        const sz = Number(o.wire.s);
        const first = round === 0;
        if (outcome === 'fill' || !first) {
          r.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ filled: { totalSz: String(sz), avgPx: '100.9', oid: 100 + round } }] });
          r.engine.onUserFills([fill(SILVER.coin, 'A', 100.9, sz, { cloid: o.cloid, tid: tid++ })], false);
          remaining = Math.round((remaining - sz) * 100) / 100;
        } else if (outcome === 'partial fill') {
          r.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ filled: { totalSz: '0.2', avgPx: '100.9', oid: 100 } }] });
          r.engine.onUserFills([fill(SILVER.coin, 'A', 100.9, 0.2, { cloid: o.cloid, tid: tid++ })], false);
          remaining = Math.round((remaining - 0.2) * 100) / 100;
        } else if (outcome === 'iocCancelRejected') {
          r.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ error: 'Order could not immediately match against any resting orders.' }] });
        } else if (outcome === 'reduceOnlyRejected') {
          r.engine.onOrderUpdates([{ order: { coin: SILVER.coin, side: 'A', limitPx: o.wire.p, sz: o.wire.s, oid: 100, timestamp: 0, origSz: o.wire.s, cloid: o.cloid }, status: 'reduceOnlyRejected', statusTimestamp: 0 }]);
        }
        // timeout: no answer at all
      }
      r.clock.advance(250);
      r.engine.onTimer();
      r.clock.advance(300);
      r.engine.onTimer();
    }
    assert.equal(remaining, 0);
    assert.deepEqual(r.engine.positions(), []);
    const exits = exitOrders(r);
    assert.ok(outcome === 'fill' ? exits.length === 1 : exits.length >= 2, `${exits.length} exit orders`);
    if (outcome !== 'fill' && outcome !== 'partial fill') {
      // the retry widened its allowance
      assert.ok(Number(exits[1]?.wire.p) < Number(exits[0]?.wire.p), `${exits[0]?.wire.p} then ${exits[1]?.wire.p}`);
    }
    assert.equal(r.rec.roundTrips.length, 1);
  });
}

test('latent defect L3: a position created by the post-response path still has its oracle baseline (reversal works)', () => {
  const r = rig({ timeStopMs: 0, exitThresholdBps: 0, oracleReversalBps: 15, minHoldingMs: 0 });
  const e = enterLong(r); // oracle 101 at entry
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ filled: { totalSz: String(e.sz), avgPx: '100.02', oid: 1 } }] });
  r.clock.advance(100);
  r.engine.onAssetCtx(SILVER.coin, 100.8, 100.8, 1000, r.clock.t); // −19.8 bps against the long
  assert.equal(exitOrders(r).length, 1);
  assert.equal(r.rec.exits[0]?.reason, 'oracleReversal');
});

test('incident #18: entry → exit within T, end to end', () => {
  const r = rig({ timeStopMs: 3000, exitThresholdBps: 0, oracleReversalBps: 0 });
  const e = enterLong(r);
  r.engine.onPostResult(e.batchId, { kind: 'ok', statuses: [{ filled: { totalSz: String(e.sz), avgPx: '100.02', oid: 1 } }] });
  for (let i = 0; i < 16; i++) {
    r.clock.advance(200);
    r.engine.onTimer();
  }
  const x = exitOrders(r);
  assert.equal(x.length, 1);
  const b = r.sink.last();
  assert.ok(b !== undefined);
  r.engine.onPostResult(b.id, { kind: 'ok', statuses: [{ filled: { totalSz: x[0]?.wire.s ?? '0', avgPx: '99.9', oid: 2 } }] });
  assert.deepEqual(r.engine.positions(), []);
});

test('exits are not sent while disconnected, and resume on reconnect', () => {
  const { r } = longPosition({ timeStopMs: 1000, maxDisconnectedWithPositionMs: 0 });
  r.engine.onConnection(false);
  r.clock.advance(1500);
  r.engine.onTimer();
  assert.equal(exitOrders(r).length, 0);
  r.engine.onConnection(true);
  r.engine.onTimer();
  assert.equal(exitOrders(r).length, 1);
});

/** A GOLD long of 0.01 whose time stop fires at once; the flatten's answers are lost. */
function lostFlatten(over: Parameters<typeof rig>[0] = {}) {
  const r = rig({ timeStopMs: 1000, exitThresholdBps: 0, oracleReversalBps: 0, maxFlattenFailures: 0, flattenRetryBackoffMs: 100, ...over });
  r.engine.onConnection(true);
  r.engine.onAssetCtx(GOLD.coin, 2000, 2000, 1, r.clock.t);
  r.engine.onBbo(GOLD.coin, 1999, 1, 2001, 1, r.clock.t);
  r.engine.onUserFills([fill(GOLD.coin, 'B', 2000, 0.01)], false);
  r.clock.advance(1000);
  r.engine.onTimer();
  return r;
}

test('defect 2: a timed-out flatten is cancelled by cloid in its retry\'s batch (cancels first); never two live exits; one failure each', () => {
  const r = lostFlatten({ postTimeoutMs: 500, unknownRequeryMs: 200, flattenTimeoutMs: 1000 });
  const first = r.sink.last()?.orders[0];
  assert.ok(first?.reduceOnly === true);
  const sent: string[] = [first.cloid];
  for (let i = 0; i < 12; i++) {
    r.clock.advance(250);
    r.engine.onTimer();
    const live = r.engine.openOrders().filter((o) => o.reduceOnly);
    assert.ok(live.length <= 1, `${live.length} live exits (${live.map((o) => o.state).join(',')})`);
    const b = r.sink.last();
    const retry = b?.orders[0];
    if (retry !== undefined && !sent.includes(retry.cloid)) {
      // the abandoned one is cancelled in the same batch, ahead of the retry
      assert.deepEqual(b?.cancelsByCloid, [{ asset: GOLD.assetId, cloid: sent.at(-1) }]);
      sent.push(retry.cloid);
    }
  }
  assert.ok(sent.length >= 3, `${sent.length} attempts`);
  assert.equal(r.engine.counters.flattenTimeouts, sent.length - 1);
  assert.equal(r.engine.counters.flattenFailures, sent.length - 1);
  // late answers about the abandoned ones: never a second failure for the same attempt
  r.engine.onOrderStatus(sent[0] as string, 'unknownOid');
  r.engine.onOrderStatus(sent[1] as string, 'canceled');
  assert.equal(r.engine.counters.flattenFailures, sent.length - 1);
  // and a late fill of an abandoned one still counts for the position
  r.engine.onUserFills([fill(GOLD.coin, 'A', 1999, 0.01, { cloid: sent[0] })], false);
  assert.deepEqual(r.engine.positions(), []);
});

test('defect 2: with the default timeouts the flatten timeout is live: an unknown exit is asked about before it is given up', () => {
  const r = lostFlatten({ postTimeoutMs: defaultCoreConfig.postTimeoutMs, flattenTimeoutMs: defaultCoreConfig.flattenTimeoutMs, unknownRequeryMs: defaultCoreConfig.unknownRequeryMs });
  const first = r.sink.last()?.orders[0];
  assert.ok(first !== undefined);
  let queriesAtRetry = -1;
  for (let t = 0; t < 20_000 && queriesAtRetry < 0; t += 200) {
    r.clock.advance(200);
    r.engine.onTimer();
    if (r.sink.orders.length > 1) queriesAtRetry = r.sink.statusQueries.filter((c) => c === first.cloid).length;
  }
  assert.ok(queriesAtRetry >= 2, `status asked ${queriesAtRetry} times before the retry`);
  assert.deepEqual(validateCoreConfig({ ...defaultCoreConfig, postTimeoutMs: 5000, flattenTimeoutMs: 3000 }).filter((e) => e.startsWith('flattenTimeoutMs')).length, 1);
  assert.deepEqual(validateCoreConfig(defaultCoreConfig), []);
});

test('incident #52: edge evaporation — exit once the makers caught up (remaining entry-side edge ≤ threshold), before min holding', () => {
  const t = tuning({ exitThresholdBps: 5, minHoldingMs: 5000, timeStopMs: 0, oracleReversalBps: 0, edgeEvaporationExit: true, edgeEvaporationBps: 2, edgeEvaporationMinHoldingMs: 500 });
  const long = { size: 1, avgEntryPx: 100.5, openedAtMs: T0, entryOraclePx: 101 };
  const caughtUp = market(101, 100.8, 101.0); // ask at the oracle: buy edge 0; bid still 20 bps under (no regression)
  assert.equal(exitReason(long, caughtUp, t, T0 + 499), null, 'its own minimum holding time');
  assert.equal(exitReason(long, caughtUp, t, T0 + 500), 'edgeEvaporation', 'long before minHoldingMs (5 s)');
  assert.equal(exitReason(long, market(101, 100.8, 100.9), t, T0 + 1000), null, 'ask 10 bps under the oracle: edge left');
  const short = { size: -1, avgEntryPx: 101.5, openedAtMs: T0, entryOraclePx: 101 };
  assert.equal(exitReason(short, market(101, 101.0, 101.2), t, T0 + 600), 'edgeEvaporation', 'bid back at the oracle');
  assert.equal(exitReason(short, market(101, 101.1, 101.2), t, T0 + 600), null);
  assert.equal(exitReason(long, caughtUp, { ...t, edgeEvaporationExit: false }, T0 + 600), null, 'can be switched off');
});

test('incident #52: edge evaporation end to end — the bbo that shows the makers caught up sends the exit', () => {
  const { r } = longPosition({ minHoldingMs: 5000, exitThresholdBps: 0 }); // long at 100.02 after the oracle went 100 → 101
  r.clock.advance(300);
  r.engine.onBbo(SILVER.coin, 100.7, 200, 101.0, 200, r.clock.t); // caught up on the ask, but held < 500 ms
  assert.equal(exitOrders(r).length, 0);
  r.clock.advance(250);
  r.engine.onBbo(SILVER.coin, 100.7, 200, 101.0, 201, r.clock.t);
  assert.equal(exitOrders(r).length, 1);
  assert.equal(r.rec.exits[0]?.reason, 'edgeEvaporation');
});
