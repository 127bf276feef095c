import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Metrics, reasonLabel, startMetricsServer } from '../../src/telemetry/metrics.ts';

/** A small scenario touching every kind of event the app reports. */
function exercise(m: Metrics): void {
  m.countFrame('bbo');
  m.countFrame('activeAssetCtx');
  m.countFrameError('bbo');
  m.observeFrameToDecision(12_000, 'entry');
  m.countGateVerdict('HardStop', true);
  m.countGateVerdict('MaxPositionTotal', false);
  m.countRejection('gate', 'MaxPositionTotal');
  m.countSignal('xyz:GOLD', 'buy', 'entered');
  m.observeDecisionToWire(40_000, 'entry');
  m.countOrder('entry', 'filled');
  m.observePostRoundTrip(3_000_000, 'action');
  m.countFill('xyz:GOLD', 'buy');
  m.setPositions([{ market: 'xyz:GOLD', notionalUsd: 20 }]);
  m.setPnl(0, 0.02);
  m.observeExitTriggerToFlatten(30_000, 'markRegression');
  m.countOrder('exit', 'filled');
  m.countRoundTrip('xyz:GOLD', 'markRegression', 0.03);
  m.countRejection('venue', 'Order could not immediately match against any resting orders. asset=110003', true);
  m.setPositions([{ market: 'xyz:SILVER', notionalUsd: -15 }]);
  m.setPnl(0.03, -0.01);
  m.setReady('trading', true);
  m.setReady('xyz:GOLD', true);
  m.setHardStop(false);
  m.countReconnect();
  m.setJournalQueue(3);
}

describe('Metrics', () => {
  it('every declared metric is written by the scenario (the original declared 30 and wrote 15, L20)', async () => {
    const m = new Metrics();
    exercise(m);
    const declared = (await m.registry.getMetricsAsJSON()).map((x) => x.name.replace(/^hip3_/, ''));
    assert.ok(declared.length >= 20);
    assert.deepEqual([...m.writtenMetrics()].sort(), [...declared].sort());
    for (const metric of await m.registry.getMetricsAsJSON()) {
      assert.ok(metric.values.length > 0, `${metric.name} has samples`);
      if (String(metric.type) === 'histogram') {
        const count = (metric.values as { metricName?: string; value: number }[]).find((v) => String(v.metricName).endsWith('_count'));
        assert.ok(count && count.value > 0, `${metric.name} observed`);
      }
    }
  });

  it('frame counts are added in one call (countFrame(channel, n)); a 0 error count still writes the series', async () => {
    const m = new Metrics();
    m.countFrame('bbo', 5);
    m.countFrame('bbo', 0);
    m.countFrameError('parse', 0);
    const text = await m.registry.metrics();
    assert.match(text, /hip3_frames_total\{channel="bbo"\} 5\n/);
    assert.match(text, /hip3_frame_errors_total\{channel="parse"\} 0\n/);
  });

  it('rejection reasons known at start are written as zero-valued series', async () => {
    const m = new Metrics();
    m.initRejectionReasons('gate', ['HasPosition', 'SpreadShock']);
    const text = await m.registry.metrics();
    assert.match(text, /hip3_rejections_total\{source="gate",reason="HasPosition",benign="false"\} 0\n/);
    assert.match(text, /hip3_rejections_total\{source="gate",reason="SpreadShock",benign="false"\} 0\n/);
  });

  it('latencies are stored in seconds from nanoseconds', async () => {
    const m = new Metrics();
    m.observeDecisionToWire(40_000, 'entry');
    const text = await m.exposition();
    assert.match(text, /hip3_decision_to_wire_seconds_sum\{purpose="entry"\} 0\.00004\b/);
    assert.match(text, /hip3_decision_to_wire_seconds_bucket\{le="0\.00005",purpose="entry"\} 1/);
  });

  it('keeps a synchronous latency summary for the dashboard', () => {
    const m = new Metrics();
    for (let i = 0; i < 99; i++) m.observeDecisionToWire(30_000, 'entry'); // 30 µs → the ≤ 50 µs bucket
    m.observeDecisionToWire(2_000_000, 'entry'); // 2 ms
    const [h] = m.latencySummary();
    assert.equal(h.name, 'decision→wire');
    assert.equal(h.p50Us, 50);
    assert.equal(h.p99Us, 50);
    assert.equal(h.buckets.find((b) => b.leUs === 2500)?.count, 1);
    assert.equal(h.buckets.reduce((a, b) => a + b.count, 0), 100);
  });

  it('rejection reasons are bounded labels with secrets removed', async () => {
    assert.equal(reasonLabel('Order must have minimum value of $10. asset=110026'), 'Order must have minimum value of $N. asset=N');
    const m = new Metrics({ redact: (s) => s.replaceAll('topsecret', '[REDACTED]') });
    m.countRejection('venue', 'bad topsecret thing');
    const text = await m.exposition();
    assert.ok(!text.includes('topsecret'));
    assert.match(text, /hip3_rejections_total\{source="venue",reason="bad \[REDACTED\] thing",benign="false"\} 1/);
  });

  it('position gauges drop markets that went flat', async () => {
    const m = new Metrics();
    m.setPositions([{ market: 'xyz:GOLD', notionalUsd: 20 }, { market: 'xyz:SILVER', notionalUsd: -15 }]);
    m.setPositions([{ market: 'xyz:SILVER', notionalUsd: -15 }]);
    const text = await m.exposition();
    assert.ok(!text.includes('market="xyz:GOLD"'));
    assert.match(text, /hip3_open_positions 1/);
  });

  describe('/metrics over HTTP', () => {
    const m = new Metrics();
    exercise(m);
    let close: () => Promise<void> = async () => {};
    after(() => close());
    it('serves the exposition on 127.0.0.1 and 404 elsewhere', async () => {
      const server = await startMetricsServer(m, 0);
      close = server.close;
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const body = await res.text();
      assert.match(body, /# TYPE hip3_frame_to_decision_seconds histogram/);
      assert.match(body, /hip3_gate_verdicts_total\{gate="MaxPositionTotal",verdict="block"\} 1/);
      assert.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
    });
  });
});
