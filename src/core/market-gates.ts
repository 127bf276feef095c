// Market risk gates, per market (L8: each market has its own EWMAs), every one applied (L7: a soft
// spread shock really reduces the size). Evaluated only for a candidate signal, so allocation is fine.
import { type BlackoutWindow, type MarketTuning, parseHhMm } from './config.ts';
import type { MarketState } from './market-state.ts';
import type { GateVerdict, MarketSpec, Side } from './types.ts';

const DAY_MS = 86_400_000;

/** Compiled blackout windows: minutes of the UTC day, [start, end), wrapping midnight when end < start. */
export type CompiledWindows = readonly (readonly [number, number])[];

export function compileBlackouts(windows: readonly BlackoutWindow[]): CompiledWindows {
  return windows.map((w) => [parseHhMm(w.start), parseHhMm(w.end)] as const);
}

export function inBlackout(windows: CompiledWindows, nowMs: number): boolean {
  const minute = Math.floor((((nowMs % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
  for (const [s, e] of windows) {
    if (s === e) continue;
    if (s < e ? minute >= s && minute < e : minute >= s || minute < e) return true;
  }
  return false;
}

export interface MarketGateResult {
  first: string | null;
  /** Size multiplier (spread-shock reduce band), 1 = unchanged. */
  sizeMultiplier: number;
}

export function marketGates(
  m: MarketState,
  spec: MarketSpec,
  side: Side,
  t: MarketTuning,
  blackouts: CompiledWindows,
  nowMs: number,
  out: GateVerdict[],
): MarketGateResult {
  let first: string | null = null;
  let sizeMultiplier = 1;
  const v = (gate: string, pass: boolean, value?: number, limit?: number): void => {
    out.push(value === undefined ? { gate, pass } : { gate, pass, value, limit });
    if (!pass) first ??= gate;
  };
  v('MarketEnabled', t.enabled);
  v('FeedHealthy', m.healthy);
  v('TradingHalt', !m.halted && spec.halted !== true);
  v('ParamChange', !m.paramChanged);
  const bboAge = nowMs - m.bboLocalMs;
  v('BboAge', t.maxBboAgeMs === 0 || bboAge <= t.maxBboAgeMs, bboAge, t.maxBboAgeMs);
  const ctxAge = nowMs - m.ctxLocalMs;
  v('CtxAge', t.maxCtxAgeMs === 0 || ctxAge <= t.maxCtxAgeMs, ctxAge, t.maxCtxAgeMs);
  // L7: the original's TimeRegression was inert (never given a time); here every bbo's venue time is used
  v('TimeRegression', !m.bboTimeRegressed, m.bboVenueMs, m.maxBboVenueMs);

  const spread = m.spreadBps();
  const ewma = m.spreadEwma.value;
  if (t.spreadShockMultiplier > 0 && m.spreadEwma.ready && ewma > 0) {
    v('SpreadShock', spread <= ewma * t.spreadShockMultiplier, spread, ewma * t.spreadShockMultiplier);
    if (t.spreadShockReduceMultiplier > 0 && spread > ewma * t.spreadShockReduceMultiplier) sizeMultiplier = t.spreadShockSizeFactor;
  }
  if (t.maxMarkMidDivergenceBps > 0) {
    const mid = m.midPx();
    const div = m.markPx > 0 && mid > 0 ? (Math.abs(m.markPx - mid) / mid) * 1e4 : Number.POSITIVE_INFINITY;
    v('MarkMidDivergence', div <= t.maxMarkMidDivergenceBps, Number.isFinite(div) ? div : -1, t.maxMarkMidDivergenceBps);
  }
  if (spec.oiCapUsd !== undefined && spec.oiCapUsd > 0) {
    const oiUsd = m.openInterest * m.markPx;
    v('OiCapProximity', oiUsd < spec.oiCapUsd * t.oiCapProximity, oiUsd, spec.oiCapUsd * t.oiCapProximity);
  }
  v('Blackout', !inBlackout(blackouts, nowMs));
  const bookUsd = side === 'buy' ? m.askPx * m.askSz : m.bidPx * m.bidSz;
  v('MinBookNotional', bookUsd > t.minBookNotionalUsd, bookUsd, t.minBookNotionalUsd);
  return { first, sizeMultiplier };
}
