// Dislocation detector: pure functions of one market's state. The cheap part (edge vs threshold) runs on
// every event of the market and allocates nothing; only a candidate that clears the cost threshold is
// examined gate by gate and recorded.
import type { MarketTuning } from './config.ts';
import type { MarketState } from './market-state.ts';
import type { GateVerdict, Side } from './types.ts';

/** Buy edge = (oracle − ask) / oracle; sell edge = (bid − oracle) / oracle; in bps. */
export function rawEdgeBps(side: Side, oraclePx: number, bidPx: number, askPx: number): number {
  return side === 'buy' ? ((oraclePx - askPx) / oraclePx) * 1e4 : ((bidPx - oraclePx) / oraclePx) * 1e4;
}

/**
 * Edge relative to the market's recent basis B = EWMA((mid − oracle)/oracle). A book that normally sits
 * B bps from the oracle normally shows a buy edge of −B − half-spread; only the move beyond that is new.
 * buy: raw + B; sell: raw − B.
 */
export function relativeEdgeBps(side: Side, raw: number, basisEwmaBps: number): number {
  return side === 'buy' ? raw + basisEwmaBps : raw - basisEwmaBps;
}

/** Round-trip cost threshold: taker fee × 2 + entry slippage allowance + minimum net edge, bps. */
export function thresholdBps(t: MarketTuning): number {
  return 2 * t.takerFeeBps + t.entrySlippageBps + t.minNetEdgeBps;
}

/** The edge in the configured mode; NaN when it cannot be computed (no book, no oracle, cold basis). */
export function modeEdgeBps(m: MarketState, side: Side, t: MarketTuning): number {
  if (!m.hasBbo || !m.hasCtx) return Number.NaN;
  const raw = rawEdgeBps(side, m.oraclePx, m.bidPx, m.askPx);
  if (t.edgeMode === 'raw') return raw;
  if (!m.basisEwma.ready) return Number.NaN;
  return relativeEdgeBps(side, raw, m.basisEwma.value);
}

/** The price the book should return to: the oracle, shifted by the basis in relativeToBasis mode. */
export function fairPx(m: MarketState, t: MarketTuning): number {
  if (t.edgeMode === 'raw' || !m.basisEwma.ready) return m.oraclePx;
  return m.oraclePx * (1 + m.basisEwma.value / 1e4);
}

/**
 * The detector's own gates for a candidate: quote-lag window (time since the oracle last CHANGED),
 * oracle direction, basis warm-up. Appends verdicts; returns the first failing gate or null.
 */
export function detectorGates(m: MarketState, side: Side, t: MarketTuning, nowMs: number, out: GateVerdict[]): string | null {
  let first: string | null = null;
  const age = m.oracleAgeMs(nowMs);
  const inWindow = (t.quoteLagMinMs === 0 || age >= t.quoteLagMinMs) && (t.quoteLagMaxMs === 0 || age <= t.quoteLagMaxMs);
  out.push({ gate: 'QuoteLagWindow', pass: inWindow, value: Number.isFinite(age) ? age : -1, limit: t.quoteLagMaxMs });
  if (!inWindow) first ??= 'QuoteLagWindow';
  if (t.requireOracleDirection) {
    const dirOk = side === 'buy' ? m.lastOracleMoveBps > 0 : m.lastOracleMoveBps < 0;
    out.push({ gate: 'OracleDirection', pass: dirOk, value: m.lastOracleMoveBps });
    if (!dirOk) first ??= 'OracleDirection';
  }
  if (t.edgeMode === 'relativeToBasis') {
    const warm = m.basisEwma.coveredMs >= t.basisWarmupMs;
    out.push({ gate: 'BasisWarmup', pass: warm, value: m.basisEwma.coveredMs, limit: t.basisWarmupMs });
    if (!warm) first ??= 'BasisWarmup';
  }
  return first;
}
