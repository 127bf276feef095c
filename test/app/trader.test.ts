// Unit tests of the bot's pure pieces: decision and post-result mapping, follow-ups, run totals and the
// summary, latency rings, the order sink (real signing, recovered from the written frame), the shutdown
// controller, market globs and the demo configuration.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/app/config/load.ts';
import { demoConfigToml } from '../../src/app/modes/demo.ts';
import { installShutdown } from '../../src/app/shutdown.ts';
import { Activity, formatRunSummary } from '../../src/app/trader/activity.ts';
import { corePostResult, exitReasonOfTag, exitReasonTag, signalDecision } from '../../src/app/trader/bot.ts';
import { SignalDeduper } from '../../src/app/trader/duplicates.ts';
import { followUpRow } from '../../src/app/trader/follow-ups.ts';
import { quantile, SampleRing } from '../../src/app/trader/latency.ts';
import { type ActionWire, VenueOrderSink } from '../../src/app/trader/order-sink.ts';
import type { OutboundBatch, RoundTrip, SignalRecord } from '../../src/core/types.ts';
import { createL1Signer, generatePrivateKey, orderWire, recoverL1Signer } from '../../src/protocol/index.ts';
import { NonceSource } from '../../src/protocol/nonce.ts';
import type { SendActionOptions, SendActionResult } from '../../src/venue/venue-client.ts';

function signal(over: Partial<SignalRecord>): SignalRecord {
  return {
    timeMs: 1000,
    coin: 'xyz:GOLD',
    side: 'buy',
    oracleSeq: 1,
    inputs: { bidPx: 99, bidSz: 1, askPx: 100, askSz: 1, oraclePx: 101, markPx: 100, oracleAgeMs: 10, oracleMoveBps: 50, bboAgeMs: 5, ctxAgeMs: 1, spreadBps: 10, spreadEwmaBps: 10, basisEwmaBps: 0 },
    rawEdgeBps: 99,
    edgeBps: 99,
    thresholdBps: 30,
    netEdgeBps: 69,
    edgeMode: 'raw',
    gates: [],
    decision: 'skip',
    reason: 'ok',
    suppressedBefore: 0,
    ...over,
  };
}

function roundTrip(over: Partial<RoundTrip>): RoundTrip {
  return {
    coin: 'xyz:GOLD',
    side: 'buy',
    entryTimeMs: 0,
    exitTimeMs: 1000,
    entryReason: 'signal',
    exitReason: 'markRegression',
    entryPx: 100,
    exitPx: 101,
    size: 1,
    feesUsd: 0.2,
    grossPnlUsd: 1,
    pnlUsd: 0.8,
    signalledEdgeBps: 100,
    realisedEdgeBps: 80,
    entrySlippageBps: 0,
    ...over,
  };
}

describe('signal decisions', () => {
  it('maps the core decision onto the journal vocabulary', () => {
    assert.equal(signalDecision('trade', signal({ decision: 'order', reason: 'ok' })), 'entered');
    assert.equal(signalDecision('observe', signal({ reason: 'ReadyTrading' })), 'observed');
    assert.equal(signalDecision('trade', signal({ reason: 'ReadyTrading' })), 'rejected');
    assert.equal(signalDecision('trade', signal({ reason: 'MaxPositionTotal' })), 'rejected');
    assert.equal(signalDecision('observe', signal({ reason: 'QuoteLagWindow' })), 'skipped');
    assert.equal(signalDecision('trade', signal({ reason: 'SpreadShock' })), 'skipped');
  });
});

describe('post results', () => {
  it('ok with statuses, venue err, post error, never written, unknown', () => {
    const statuses = [{ filled: { totalSz: '1', avgPx: '100', oid: 7 } }, { error: 'Order could not immediately match against any resting orders.' }];
    assert.deepEqual(corePostResult({ type: 'action', payload: { status: 'ok', response: { type: 'order', data: { statuses } } } }), { kind: 'ok', statuses });
    assert.deepEqual(corePostResult({ type: 'action', payload: { status: 'err', response: 'User or API Wallet 0x… does not exist.' } }), {
      kind: 'error',
      message: 'User or API Wallet 0x… does not exist.',
    });
    assert.deepEqual(corePostResult({ type: 'error', message: '429 Too Many Requests' }), { kind: 'error', message: '429 Too Many Requests' });
    assert.deepEqual(corePostResult({ type: 'notSent', reason: 'disconnected' }), { kind: 'error', message: 'notSent: disconnected' });
    // Written but unanswered: the order may exist — never "rejected" (design principle 4).
    assert.deepEqual(corePostResult({ type: 'unknown', reason: 'timeout' }), { kind: 'unknown' });
    assert.equal(corePostResult({ type: 'action', payload: { status: 'ok', response: { type: 'default' } } }).kind, 'error');
  });
});

describe('follow-ups', () => {
  it('records oracle, book and the signal side edge then; nothing for a market without data', () => {
    const sig = { signalId: 's1', tsMs: 10_000, market: 'xyz:GOLD', side: 'sell' as const };
    const row = followUpRow(sig, 3000, 13_001, { oraclePx: 100, bidPx: 100.5, askPx: 101 });
    assert.deepEqual(row, { signalId: 's1', offsetMs: 3000, capturedMs: 13_001, oraclePx: 100, bidPx: 100.5, askPx: 101, edgeBps: 50 });
    assert.equal(followUpRow(sig, 1000, 11_000, undefined), undefined);
    assert.equal(followUpRow(sig, 1000, 11_000, { oraclePx: 100, bidPx: 0, askPx: 101 }), undefined);
  });
});

describe('run totals and summary', () => {
  it('win rate, exits by reason, PnL net of fees, mean edges, gate counters', () => {
    const a = new Activity(0);
    a.onSignal(signal({ reason: 'HardStop', gates: [{ gate: 'QuoteLagWindow', pass: true }, { gate: 'HardStop', pass: false }] }), 'rejected');
    a.onSignal(signal({ decision: 'order', gates: [{ gate: 'QuoteLagWindow', pass: true }] }), 'entered');
    a.entriesSent = 3;
    a.onRoundTrip(roundTrip({}));
    a.onRoundTrip(roundTrip({ exitReason: 'timeStop', pnlUsd: -0.5, grossPnlUsd: -0.3, feesUsd: 0.2, realisedEdgeBps: -50, signalledEdgeBps: 60 }));
    a.onRoundTrip(roundTrip({ exitReason: 'timeStop', pnlUsd: 0.1, grossPnlUsd: 0.3, realisedEdgeBps: 10, signalledEdgeBps: null }));
    const s = a.summary(60_000, { openPositions: 0, hardStop: { latched: false, reason: '' }, latency: { frameToDecision: Float64Array.from([1000, 2000, 3000]) } });
    assert.equal(s.signals, 2);
    assert.deepEqual(s.signalsByDecision, { rejected: 1, entered: 1 });
    assert.deepEqual(a.gateCounters, { QuoteLagWindow: { pass: 2, block: 0 }, HardStop: { pass: 0, block: 1 } });
    assert.equal(s.roundTrips, 3);
    assert.deepEqual(s.exitsByReason, { markRegression: 1, timeStop: 2 });
    assert.equal(s.wins, 2);
    assert.ok(Math.abs((s.winRate ?? 0) - 2 / 3) < 1e-12);
    assert.ok(Math.abs(s.pnlUsd - 0.4) < 1e-12);
    assert.equal(s.meanSignalledEdgeBps, 80);
    assert.ok(Math.abs((s.meanRealisedEdgeBps ?? 0) - 40 / 3) < 1e-9);
    assert.equal(s.latency.frameToDecision.p50Us, 2);
    const text = formatRunSummary(s);
    assert.match(text, /not entered\s+HardStop 1 \(first failing gate\)/);
    assert.match(text, /exits\s+3 round trips \(timeStop 2, markRegression 1\)/);
    assert.match(text, /win rate\s+66\.7 % \(2\/3\)/);
    assert.match(text, /PnL net fees\s+\$0\.40/);
    assert.match(text, /frame → decision\s+p50 2\.0 µs/);
    assert.deepEqual(a.pnlHistory.map((p) => Math.round(p.cumPnlUsd * 10) / 10), [0.8, 0.3, 0.4]);
  });
});

describe('duplicate signals (one oracle jump = one opportunity)', () => {
  it('a HasPosition re-signal of an entered dislocation names the entry; a new oracle update or side is news', () => {
    const d = new SignalDeduper();
    const at = (id: string, oracleSeq: number, entered: boolean, reason?: string, side = 'buy', market = 'xyz:GOLD') => d.classify({ market, side, oracleSeq, id, entered, reason });
    assert.equal(at('s1', 7, true), undefined);
    assert.equal(at('s2', 7, false, 'HasPosition'), 's1'); // ~46 ms later, same oracle update
    assert.equal(at('s3', 8, false, 'HasPosition'), 's1'); // the next oracle update while the position is on
    assert.equal(at('s4', 8, false, 'HasPosition', 'sell'), undefined);
    assert.equal(at('s5', 7, false, 'SpreadShock', 'buy', 'xyz:SILVER'), undefined);
    assert.equal(at('s6', 7, false, 'SpreadShock', 'buy', 'xyz:SILVER'), 's5');
    assert.equal(at('s7', 7, true, undefined, 'buy', 'xyz:SILVER'), undefined, 'an entry is never a duplicate');
    d.positionClosed('xyz:GOLD');
    assert.equal(at('s8', 9, false, 'HasPosition'), undefined);
  });
  it('the summary counts distinct signals and reports duplicates apart (not in the gate counts)', () => {
    const a = new Activity(0);
    a.onSignal(signal({ decision: 'order', gates: [{ gate: 'HasPosition', pass: true }] as SignalRecord['gates'] }), 'entered');
    for (let i = 0; i < 3; i++) a.onSignal(signal({ reason: 'HasPosition', gates: [{ gate: 'HasPosition', pass: false }] as SignalRecord['gates'] }), 'rejected', true);
    const s = a.summary(1000, { openPositions: 0, hardStop: { latched: false, reason: '' }, latency: {} });
    assert.equal(s.signals, 1);
    assert.equal(s.duplicateSignals, 3);
    assert.deepEqual(s.notEnteredBy, {});
    assert.match(formatRunSummary(s), /signals\s+1 distinct \(entered 1\); 3 duplicate\(s\) of an opportunity already signalled/);
  });
});

describe('latency rings', () => {
  it('drains only new samples, keeps the last capacity, filters by tag', () => {
    const r = new SampleRing(4);
    for (let i = 1; i <= 3; i++) r.add(i, i % 2);
    const seen: number[] = [];
    r.drain((ns) => seen.push(ns));
    for (let i = 4; i <= 7; i++) r.add(i, i % 2);
    r.drain((ns) => seen.push(ns));
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual([...r.snapshot()].sort(), [4, 5, 6, 7]);
    assert.deepEqual([...r.snapshot(1)].sort(), [5, 7]);
    assert.equal(quantile([], 0.5), null);
    assert.equal(quantile([5, 1, 3], 0.5), 3);
    assert.equal(quantile(Float64Array.from({ length: 100 }, (_, i) => i + 1), 0.99), 99);
  });
});

describe('signals after the stop', () => {
  it("are counted as 'shutdown' and stay out of the gate counts and the not-entered reasons", () => {
    const a = new Activity(0);
    const blocked = signal({ decision: 'skip', reason: 'HardStop', gates: [{ gate: 'HardStop', pass: false }] as SignalRecord['gates'] });
    a.onSignal(blocked, 'rejected');
    a.onSignal(blocked, 'shutdown');
    a.onSignal(blocked, 'shutdown');
    assert.deepEqual(a.notEnteredBy, { HardStop: 1 });
    assert.deepEqual(a.gateCounters, { HardStop: { pass: 0, block: 1 } });
    assert.deepEqual(a.signalsByDecision, { rejected: 1, shutdown: 2 });
  });
});

describe('exit trigger → flatten latency keeps its exit reason', () => {
  it('the ring tag round-trips every core exit reason (the histogram was labelled "exit" for all)', () => {
    const ring = new SampleRing(8);
    const reasons = ['markRegression', 'timeStop', 'hardStop', 'oracleReversal', 'edgeEvaporation', 'quickProfit', 'shutdown'];
    for (const r of reasons) ring.add(1000, exitReasonTag(r));
    const seen: string[] = [];
    ring.drain((_ns, tag) => seen.push(exitReasonOfTag(tag)));
    assert.deepEqual(seen, reasons);
    assert.equal(exitReasonOfTag(exitReasonTag('somethingNew')), 'unknown');
  });
});

describe('order sink', () => {
  const batch = (orders: OutboundBatch['orders'], cancels: OutboundBatch['cancels'] = []): OutboundBatch => ({ id: 9, cancels, cancelsByCloid: [], orders });
  const entry = (cloid: `0x${string}`) => ({
    wire: orderWire({ asset: 110003, isBuy: true, px: '2650.5', sz: '0.01', reduceOnly: false, tif: 'Ioc', cloid }),
    cloid,
    coin: 'xyz:GOLD',
    reduceOnly: false,
    purpose: 'entry' as const,
  });

  it('writes cancels then one signed order action; the signature recovers to the agent; entries need readiness', () => {
    const key = generatePrivateKey();
    const signer = createL1Signer(key, { isMainnet: false });
    const written: { text: string; opts: SendActionOptions }[] = [];
    const wire: ActionWire = {
      sendAction(text: string, opts: SendActionOptions = {}): SendActionResult {
        written.push({ text, opts });
        return { outcome: 'sent', id: written.length };
      },
    };
    const sent: number[] = [];
    const sink = new VenueOrderSink(wire, signer, new NonceSource(), { onOrdersWritten: (b) => sent.push(b.id) });
    sink.send(batch([entry('0x48330000000000000000000000000001')], [{ a: 110003, o: 42 }]));
    assert.equal(written.length, 2);
    const cancel = JSON.parse(written[0].text);
    assert.deepEqual(cancel.action, { type: 'cancel', cancels: [{ a: 110003, o: 42 }] });
    assert.equal(written[0].opts.requireReady, false);
    const order = JSON.parse(written[1].text);
    assert.equal(order.action.type, 'order');
    assert.equal(order.action.orders[0].c, '0x48330000000000000000000000000001');
    assert.ok(order.nonce > cancel.nonce, 'nonces strictly increase');
    assert.equal(written[1].opts.requireReady, true);
    assert.deepEqual(written[1].opts.cloids, ['0x48330000000000000000000000000001']);
    assert.equal(recoverL1Signer({ action: order.action, nonce: order.nonce, isMainnet: false, signature: order.signature }), signer.address);
    assert.deepEqual(sent, [9]);
  });

  it('an exit-only batch does not wait for readiness; an unwritten order action throws (the core then knows nothing left)', () => {
    const signer = createL1Signer(generatePrivateKey(), { isMainnet: true });
    let outcome: SendActionResult['outcome'] = 'sent';
    const opts: SendActionOptions[] = [];
    const wire: ActionWire = {
      sendAction(_t: string, o: SendActionOptions = {}): SendActionResult {
        opts.push(o);
        return { outcome, id: outcome === 'sent' ? 1 : 0 };
      },
    };
    const sink = new VenueOrderSink(wire, signer, new NonceSource());
    const exit = { ...entry('0x48330000000000000000000000000002'), reduceOnly: true, purpose: 'exit' as const };
    sink.send(batch([exit]));
    assert.equal(opts[0].requireReady, false);
    outcome = 'notConnected';
    assert.throws(() => sink.send(batch([entry('0x48330000000000000000000000000003')])), /not written: notConnected/);
    assert.equal(sink.stats.notSent, 1);
  });
});

describe('shutdown controller', () => {
  it('the first signal runs the graceful stop once; a second signal exits at once', async () => {
    let stops = 0;
    const exits: number[] = [];
    let release!: () => void;
    const ctl = installShutdown({
      stop: async () => {
        stops++;
        await new Promise<void>((r) => {
          release = r;
        });
        return 0;
      },
      say: () => {},
      exit: (code) => exits.push(code),
    });
    try {
      process.emit('SIGTERM', 'SIGTERM');
      assert.equal(ctl.stopping, true);
      const again = ctl.trigger('--duration');
      process.emit('SIGINT', 'SIGINT');
      assert.deepEqual(exits, [130]);
      release();
      assert.equal(await again, 0);
      assert.equal(stops, 1);
      // The stop completed (flat, flushed): a signal now keeps its code, never 130.
      process.emit('SIGINT', 'SIGINT');
      assert.deepEqual(exits, [130, 0]);
    } finally {
      ctl.dispose();
    }
  });
});

describe('markets and the demo configuration', () => {
  it('the demo configuration validates and selects the sim profile', () => {
    const cfg = parseConfig(demoConfigToml({ httpUrl: 'http://127.0.0.1:1', master: '0x1111111111111111111111111111111111111111', dataDir: '/tmp/x', dashboardPort: 0, dashboard: true }));
    assert.equal(cfg.profile, 'sim');
    assert.equal(cfg.mode, 'trade');
    assert.equal(cfg.detector.taker_fee_bps, 9);
    assert.equal(cfg.detector.quote_lag_min_ms, 0);
    assert.equal(cfg.journal.path, '/tmp/x/journal.sqlite');
  });
});
