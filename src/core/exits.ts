// Exit decisions: pure functions, evaluated by the engine on EVERY bbo/ctx event of a market with a
// position (the event-driven ExitWatcher of the seeds) and on every timer (the polling backup). Both paths
// share the tracker's single flatten claim, so they can never double-send (L1, L2, incidents #30, #35).
import type { MarketTuning } from './config.ts';
import { fairPx, modeEdgeBps } from './detector.ts';
import type { MarketState } from './market-state.ts';

/** 'shutdown': the orderly stop's flatten (the hard-stop path, but not a risk event). */
export type ExitReason = 'hardStop' | 'shutdown' | 'timeStop' | 'oracleReversal' | 'quickProfit' | 'edgeEvaporation' | 'markRegression';

export interface PositionView {
  /** Signed size. */
  size: number;
  avgEntryPx: number;
  openedAtMs: number;
  /** Oracle when the position opened; 0 = unknown (reversal check skipped). */
  entryOraclePx: number;
}

/**
 * The exit reason for a position now, or null. Order: time stop, oracle reversal, quick profit and edge
 * evaporation (both bypass min holding: incident #52, the edge decays in 1–3 s), then mark regression after
 * the minimum holding time: a long exits when the bid is back within exitThresholdBps of the fair price
 * (bid ≥ fair × (1 − th)), a short when ask ≤ fair × (1 + th). Edge evaporation looks at the ENTRY side:
 * a long's remaining buy edge (fair − ask), a short's remaining sell edge (bid − fair), as the detector
 * measures them; once it is ≤ edgeEvaporationBps the makers have caught up.
 */
export function exitReason(p: PositionView, m: MarketState, t: MarketTuning, nowMs: number): ExitReason | null {
  if (p.size === 0) return null;
  const held = nowMs - p.openedAtMs;
  if (t.timeStopMs > 0 && held >= t.timeStopMs) return 'timeStop';
  const long = p.size > 0;
  if (t.oracleReversalBps > 0 && p.entryOraclePx > 0 && m.hasCtx) {
    const move = ((m.oraclePx - p.entryOraclePx) / p.entryOraclePx) * 1e4;
    if (long ? move <= -t.oracleReversalBps : move >= t.oracleReversalBps) return 'oracleReversal';
  }
  if (!m.hasBbo) return null;
  const exitTouch = long ? m.bidPx : m.askPx;
  if (t.quickProfitBps > 0 && p.avgEntryPx > 0) {
    const pnlBps = ((exitTouch - p.avgEntryPx) / p.avgEntryPx) * 1e4 * (long ? 1 : -1);
    if (pnlBps >= t.quickProfitBps) return 'quickProfit';
  }
  if (t.edgeEvaporationExit && held >= t.edgeEvaporationMinHoldingMs) {
    const left = modeEdgeBps(m, long ? 'buy' : 'sell', t); // NaN (cold basis, no ctx) never fires
    if (left <= t.edgeEvaporationBps) return 'edgeEvaporation';
  }
  if (held < t.minHoldingMs || !m.hasCtx) return null;
  const fair = fairPx(m, t);
  const th = t.exitThresholdBps / 1e4;
  if (long ? exitTouch >= fair * (1 - th) : exitTouch <= fair * (1 + th)) return 'markRegression';
  return null;
}
