// Strategy-level scenarios over simulated minutes of market data: an oracle stepping every 3 s, makers
// that re-quote toward it after a lag, and a book that may sit at a permanent basis. The real engine, a
// sink that fills every IOC at its limit when the book allows it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CoreConfig } from '../../src/core/config.ts';
import type { OutboundBatch } from '../../src/core/types.ts';
import { fill, rig, SILVER } from './helpers.ts';

interface Market {
  oracle: number;
  /** Book mid the makers quote around; they move it to oracle × (1 + basis) after `lagMs`. */
  mid: number;
  target: number;
  requoteAt: number;
}

function run(opts: { basisBps: number; jumpBps: number; lagMs: number; minutes: number; config?: Partial<CoreConfig> }) {
  const r = rig({ basisWarmupMs: 30_000, ...opts.config });
  const coin = SILVER.coin;
  const m: Market = { oracle: 100, mid: 100 * (1 + opts.basisBps / 1e4), target: 100 * (1 + opts.basisBps / 1e4), requoteAt: 0 };
  let tid = 1;
  let seed = 7;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  // the venue: IOCs fill at their limit if it crosses the current book, else no match
  r.sink.onSend = (b: OutboundBatch) => {
    const statuses = b.orders.map((o) => {
      const px = Number(o.wire.p);
      const hs = m.mid * 0.0002;
      const crosses = o.wire.b ? px >= m.mid + hs : px <= m.mid - hs;
      if (!crosses) return { error: 'Order could not immediately match against any resting orders.' };
      return { filled: { totalSz: o.wire.s, avgPx: o.wire.p, oid: tid } };
    });
    pending.push({ b, statuses });
  };
  const pending: { b: OutboundBatch; statuses: ({ error: string } | { filled: { totalSz: string; avgPx: string; oid: number } })[] }[] = [];
  r.engine.onConnection(true);
  r.engine.onTradingReady(true);
  const end = r.clock.t + opts.minutes * 60_000;
  let nextOracle = r.clock.t;
  while (r.clock.t < end) {
    if (r.clock.t >= nextOracle) {
      const step = (rnd() < 0.5 ? -1 : 1) * (rnd() < 0.3 ? opts.jumpBps : 2);
      m.oracle *= 1 + step / 1e4;
      m.target = m.oracle * (1 + opts.basisBps / 1e4);
      m.requoteAt = r.clock.t + opts.lagMs;
      r.engine.onAssetCtx(coin, m.oracle, m.oracle, 1000, r.clock.t);
      nextOracle = r.clock.t + 3000;
    }
    if (r.clock.t >= m.requoteAt) m.mid = m.target;
    r.engine.onBbo(coin, m.mid * 0.9998, 150, m.mid * 1.0002, 150, r.clock.t);
    for (const p of pending.splice(0)) {
      r.engine.onPostResult(p.b.id, { kind: 'ok', statuses: p.statuses });
      p.b.orders.forEach((o, i) => {
        const st = p.statuses[i];
        if (st !== undefined && 'filled' in st) r.engine.onUserFills([fill(coin, o.wire.b ? 'B' : 'A', Number(st.filled.avgPx), Number(st.filled.totalSz), { cloid: o.cloid, tid: tid++, fee: Number(st.filled.avgPx) * Number(st.filled.totalSz) * 0.00045 })], false);
      });
    }
    r.clock.advance(50);
    if (r.clock.t % 200 < 50) r.engine.onTimer();
  }
  return r;
}

test('incident #43 end to end: a permanent 60 bps basis with small oracle steps never trades in relative mode', () => {
  const r = run({ basisBps: -60, jumpBps: 2, lagMs: 200, minutes: 10 });
  assert.equal(r.sink.orders.length, 0);
  // raw mode takes the basis for an edge (what the original did), loses round trip after round trip, and
  // the consecutive-loss trigger stops it
  const raw = run({ basisBps: -60, jumpBps: 2, lagMs: 200, minutes: 10, config: { edgeMode: 'raw' } });
  assert.ok(raw.sink.orders.filter((o) => !o.reduceOnly).length >= 5);
  assert.ok(raw.rec.roundTrips.length >= 5 && raw.rec.roundTrips.every((rt) => rt.pnlUsd < 0));
  assert.match(raw.engine.hardStopState().reason, /consecutiveLosses/);
  assert.deepEqual(raw.engine.positions(), [], 'and the hard stop left it flat');
});

test('oracle jumps with lagging makers: entries on the jump, exits on regression, every round trip closed', () => {
  const r = run({ basisBps: -30, jumpBps: 60, lagMs: 300, minutes: 10 });
  const entries = r.sink.orders.filter((o) => !o.reduceOnly);
  assert.ok(entries.length >= 5, `${entries.length} entries`);
  assert.ok(r.rec.roundTrips.length >= 5, `${r.rec.roundTrips.length} round trips`);
  assert.deepEqual(r.engine.positions(), []);
  for (const rt of r.rec.roundTrips) {
    assert.ok(['markRegression', 'edgeEvaporation', 'timeStop', 'oracleReversal'].includes(rt.exitReason), rt.exitReason);
    assert.ok(rt.signalledEdgeBps !== null && rt.signalledEdgeBps >= 22);
    assert.ok(rt.exitTimeMs - rt.entryTimeMs <= 5200, 'held at most about the time stop');
  }
  const gross = r.rec.roundTrips.reduce((s, rt) => s + rt.grossPnlUsd, 0);
  assert.ok(gross > 0, `taking stale quotes after 60 bps jumps is profitable before fees here: ${gross}`);
  assert.equal(r.engine.hardStopState().latched, false);
});
