// What a follow-up records: at T+offset after a signal, the market's oracle, book and the signal side's raw
// edge then (scheduling is the store's FollowUpScheduler). A market without a full book or oracle at that
// moment has no follow-up — never a made-up 0.
import type { PendingSignal } from '../../store/follow-ups.ts';
import { sideEdgeBps } from '../../store/follow-ups.ts';
import type { FollowUpRow } from '../../store/types.ts';

export interface MarketNow {
  oraclePx: number;
  bidPx: number;
  askPx: number;
}

export function followUpRow(signal: PendingSignal, offsetMs: number, nowMs: number, m: MarketNow | undefined): FollowUpRow | undefined {
  if (m === undefined || !(m.oraclePx > 0) || !(m.bidPx > 0) || !(m.askPx > 0)) return undefined;
  const edgeBps = sideEdgeBps(signal.side, m.oraclePx, m.bidPx, m.askPx);
  if (!Number.isFinite(edgeBps)) return undefined;
  return { signalId: signal.signalId, offsetMs, capturedMs: nowMs, oraclePx: m.oraclePx, bidPx: m.bidPx, askPx: m.askPx, edgeBps };
}
