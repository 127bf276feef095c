// A scripted DashboardSource for the dashboard tests: a tiny deterministic market that moves on step(),
// with one position that the hard stop flattens.
import type { DashboardSignal, DashboardSnapshot, DashboardSource } from '../../src/telemetry/dashboard/types.ts';

export class ScriptedSource implements DashboardSource {
  steps = 0;
  hardStopCalls: string[] = [];
  latched = false;
  flat = false;
  signals: DashboardSignal[] = [];
  /** Something secret that must never reach a browser. */
  secretInState = '';

  step(): void {
    this.steps++;
  }

  snapshot(): DashboardSnapshot {
    const k = this.steps;
    const oracle = 100 + k * 0.25;
    const bid = oracle - 0.05 - (k % 3) * 0.01;
    const ask = oracle + 0.05;
    const positions = this.flat
      ? []
      : [{ market: 'xyz:GOLD', side: 'long' as const, size: 0.2, entryPx: 100, markPx: oracle, unrealisedPnlUsd: (oracle - 100) * 0.2, holdingMs: 1200 + k, flattening: this.latched }];
    return {
      nowMs: 1_700_000_000_000 + k * 250,
      mode: 'trade',
      network: 'hlsim http://127.0.0.1',
      markets: [
        { market: 'xyz:GOLD', oraclePx: oracle, markPx: oracle, bidPx: bid, askPx: ask, basisBps: -0.5, buyEdgeBps: ((oracle - ask) / oracle) * 1e4, sellEdgeBps: ((bid - oracle) / oracle) * 1e4, health: 'ok', bboAgeMs: 40, ctxAgeMs: 900 },
        { market: 'xyz:SILVER', oraclePx: 30.5, markPx: 30.49, bidPx: 30.47, askPx: 30.52, basisBps: -1.6, buyEdgeBps: -6.5, sellEdgeBps: -9.8, health: k > 2 ? 'ok' : 'not ready', bboAgeMs: 120, ctxAgeMs: 2100 },
      ],
      openOrders: this.latched ? [] : [{ cloid: '0xabc', market: 'xyz:SILVER', side: 'sell', purpose: 'entry', px: 30.47, sz: 0.5, status: 'sent', ageMs: 12 }],
      positions,
      pnl: { realisedUsd: 0.42, unrealisedUsd: positions.reduce((a, p) => a + p.unrealisedPnlUsd, 0), feesUsd: 0.11, roundTrips: 7, wins: 4 },
      pnlHistory: [0.1, -0.05, 0.12, 0.2, 0.15, 0.33, 0.42].map((cumPnlUsd, i) => ({ tsMs: 1_700_000_000_000 + i * 10_000, cumPnlUsd })),
      latency: [
        { name: 'frame→decision', buckets: [{ leUs: 10, count: 40 }, { leUs: 25, count: 55 }, { leUs: 50, count: 5 }], p50Us: 25, p99Us: 50 },
        { name: 'decision→wire', buckets: [{ leUs: 50, count: 20 }, { leUs: 100, count: 70 }, { leUs: 150, count: 9 }, { leUs: 250, count: 1 }], p50Us: 100, p99Us: 150 },
      ],
      gateCounters: { HardStop: { pass: 30, block: this.latched ? 1 : 0 }, MaxPositionTotal: { pass: 27, block: 3 }, QuoteLag: { pass: 12, block: 18 } },
      readiness: { trading: !this.latched, marketsReady: k > 2 ? 2 : 1, marketsTotal: 2, detail: this.secretInState },
      hardStop: this.latched ? { latched: true, reason: this.hardStopCalls[0], sinceMs: 1, flat: this.flat } : { latched: false },
    };
  }

  recentSignals(): DashboardSignal[] {
    return this.signals;
  }

  onHardStop(reason: string): void {
    this.hardStopCalls.push(reason);
    this.latched = true;
    // What the app does on a hard stop: cancel everything and flatten; here at once.
    this.flat = true;
  }
}

export function sampleDashboardSignal(i: number): DashboardSignal {
  return {
    id: `sig-${i}`,
    tsMs: 1_700_000_000_000 + i * 1000,
    market: 'xyz:GOLD',
    side: i % 2 ? 'sell' : 'buy',
    edgeBps: 22 + i,
    netEdgeBps: 3 + i,
    decision: i % 2 ? 'rejected' : 'entered',
    reason: i % 2 ? 'MaxPositionTotal' : undefined,
    verdicts: [
      { gate: 'HardStop', pass: true },
      { gate: 'MaxPositionTotal', pass: i % 2 === 0 },
    ],
  };
}
