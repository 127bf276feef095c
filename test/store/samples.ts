// Sample journal rows shared by the store tests.
import type { FillRow, RoundTripRow, SignalRow } from '../../src/store/types.ts';

export function sampleSignal(i: number, over: Partial<SignalRow> = {}): SignalRow {
  return {
    signalId: `sig-${i}`,
    tsMs: 1_700_000_000_000 + i,
    market: i % 2 ? 'xyz:GOLD' : 'xyz:SILVER',
    side: i % 3 ? 'buy' : 'sell',
    oraclePx: 100 + i,
    bidPx: 99.9 + i,
    askPx: 100.1 + i,
    edgeBps: 30,
    netEdgeBps: 8,
    decision: i % 4 === 0 ? 'entered' : 'rejected',
    rejectReason: i % 4 === 0 ? undefined : 'MaxPositionTotal',
    inputs: { oracleAgeMs: 120, basisBps: -3.5, spreadBps: 12 },
    verdicts: [
      { gate: 'HardStop', pass: true },
      { gate: 'MaxPositionTotal', pass: i % 4 === 0, value: 310, limit: 300 },
    ],
    ...over,
  };
}

export function sampleFill(i: number, over: Partial<FillRow> = {}): FillRow {
  return { tid: 10_000 + i, cloid: `0xc${i}`, oid: 500 + i, market: 'xyz:GOLD', side: 'buy', px: 100, sz: 0.2, fee: 0.018, closedPnl: 0, tsMs: 1_700_000_000_000 + i, crossed: true, ...over };
}

/** A round trip with the given PnL (USD, after fees) on $20 notional. */
export function sampleRoundTrip(i: number, pnlUsd: number, over: Partial<RoundTripRow> = {}): RoundTripRow {
  const notional = 20;
  return {
    id: `rt-${i}`,
    market: 'xyz:GOLD',
    side: 'buy',
    entryMs: 1_700_000_000_000 + i * 10_000,
    exitMs: 1_700_000_000_000 + i * 10_000 + 2_000,
    entryPx: 100,
    exitPx: 100 + pnlUsd / 0.2,
    size: 0.2,
    entryReason: `sig-${i}`,
    exitReason: pnlUsd >= 0 ? 'markRegression' : 'timeStop',
    feesUsd: 0.036,
    pnlUsd,
    signalledEdgeBps: 25,
    realisedEdgeBps: (pnlUsd / notional) * 10_000,
    slippageBps: 2,
    ...over,
  };
}
