import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FollowUpScheduler, type PendingSignal, sideEdgeBps } from '../../src/store/follow-ups.ts';
import type { FollowUpRow } from '../../src/store/types.ts';

describe('FollowUpScheduler', () => {
  it('captures each signal at T+1 s, 3 s and 5 s, in time order, with one timer', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const rows: FollowUpRow[] = [];
    let oracle = 100;
    const f = new FollowUpScheduler({
      offsetsMs: [5000, 1000, 3000],
      now: Date.now,
      capture: (s: PendingSignal, offsetMs, nowMs) => ({
        signalId: s.signalId, offsetMs, capturedMs: nowMs, oraclePx: oracle, bidPx: oracle - 0.1, askPx: oracle + 0.1,
        edgeBps: sideEdgeBps(s.side, oracle, oracle - 0.1, oracle + 0.1),
      }),
      record: (r) => rows.push(r),
    });
    f.schedule({ signalId: 'a', tsMs: Date.now(), market: 'xyz:GOLD', side: 'buy' });
    t.mock.timers.tick(500);
    f.schedule({ signalId: 'b', tsMs: Date.now(), market: 'xyz:GOLD', side: 'sell' });
    oracle = 101;
    t.mock.timers.tick(499);
    assert.deepEqual(rows.map((r) => [r.signalId, r.offsetMs]), []);
    t.mock.timers.tick(1);
    assert.deepEqual(rows.map((r) => [r.signalId, r.offsetMs, r.capturedMs - 1_000_000]), [['a', 1000, 1000]]);
    t.mock.timers.tick(6000);
    assert.deepEqual(rows.map((r) => [r.signalId, r.offsetMs]), [['a', 1000], ['b', 1000], ['a', 3000], ['b', 3000], ['a', 5000], ['b', 5000]]);
    assert.equal(f.pending(), 0);
    assert.deepEqual(f.stats, { scheduled: 2, captured: 6, skipped: 0, dropped: 0 });
    f.close();
  });

  it('skips when the capture has nothing, and bounds the pending queue', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const f = new FollowUpScheduler({ offsetsMs: [1000], now: Date.now, capture: () => undefined, record: () => assert.fail('nothing to record'), maxPending: 3 });
    for (let i = 0; i < 5; i++) f.schedule({ signalId: `s${i}`, tsMs: 0, market: 'm', side: 'buy' });
    assert.equal(f.pending(), 3);
    assert.equal(f.stats.dropped, 2);
    t.mock.timers.tick(1000);
    assert.equal(f.stats.skipped, 3);
    f.close();
  });

  it('edge of the signal side', () => {
    assert.equal(sideEdgeBps('buy', 100, 99, 99.5), 50);
    assert.ok(Math.abs(sideEdgeBps('sell', 100, 100.2, 101) - 20) < 1e-9);
  });
});
