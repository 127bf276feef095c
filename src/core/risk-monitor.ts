// RiskMonitor: turns execution events into hard-stop reasons. Every trigger is fed (L6: the original only
// ever received rejections): realised PnL with fees from round trips, consecutive losses, non-benign
// rejections in a rolling window (L17: not a fixed window), flatten failures, extreme slippage, and time
// disconnected with an open position. Benign rejections are counted separately (incident #24).
import type { CoreConfig } from './config.ts';

const BENIGN_STATUSES = new Set(['iocCancelRejected', 'minTradeNtlRejected', 'reduceOnlyRejected']);
const BENIGN_TEXT = [
  'could not immediately match',
  'reduce only order would increase position',
  'order has zero size',
  'minimum value of',
];

/** True for rejections that are part of normal taker life (IOC no-match, min notional, reduce-only race). */
export function isBenignRejection(statusOrMessage: string): boolean {
  if (BENIGN_STATUSES.has(statusOrMessage)) return true;
  const m = statusOrMessage.toLowerCase();
  for (const t of BENIGN_TEXT) if (m.includes(t)) return true;
  return false;
}

export class RiskMonitor {
  private readonly cfg: CoreConfig;
  cumulativePnlUsd = 0;
  consecutiveLosses = 0;
  benignRejections = 0;
  nonBenignRejections = 0;
  private rejectionTimes: number[] = [];
  /** Consecutive failed flatten attempts per market. */
  readonly flattenFailures = new Map<string, number>();
  extremeSlippageStreak = 0;
  disconnectedSinceMs: number | null = null;

  constructor(cfg: CoreConfig) {
    this.cfg = cfg;
  }

  onRoundTrip(pnlUsd: number): string | null {
    this.cumulativePnlUsd += pnlUsd;
    if (pnlUsd < 0) this.consecutiveLosses++;
    else this.consecutiveLosses = 0;
    if (this.cfg.maxCumulativeLossUsd > 0 && this.cumulativePnlUsd <= -this.cfg.maxCumulativeLossUsd) {
      return `cumulativeLoss ${this.cumulativePnlUsd.toFixed(4)} USD ≤ −${this.cfg.maxCumulativeLossUsd}`;
    }
    if (this.cfg.maxConsecutiveLosses > 0 && this.consecutiveLosses >= this.cfg.maxConsecutiveLosses) {
      return `consecutiveLosses ${this.consecutiveLosses}`;
    }
    return null;
  }

  onRejection(statusOrMessage: string, nowMs: number): string | null {
    if (isBenignRejection(statusOrMessage)) {
      this.benignRejections++;
      return null;
    }
    this.nonBenignRejections++;
    this.rejectionTimes.push(nowMs);
    const from = nowMs - this.cfg.rejectionWindowMs;
    let i = 0;
    while (i < this.rejectionTimes.length && (this.rejectionTimes[i] as number) <= from) i++;
    if (i > 0) this.rejectionTimes = this.rejectionTimes.slice(i);
    if (this.rejectionTimes.length > this.cfg.maxRejectionsInWindow) {
      return `rejections ${this.rejectionTimes.length} non-benign within ${this.cfg.rejectionWindowMs} ms (last: ${statusOrMessage})`;
    }
    return null;
  }

  onFlattenFailure(coin: string): string | null {
    const n = (this.flattenFailures.get(coin) ?? 0) + 1;
    this.flattenFailures.set(coin, n);
    if (this.cfg.maxFlattenFailures > 0 && n >= this.cfg.maxFlattenFailures) return `flattenFailures ${coin} ×${n}`;
    return null;
  }

  onFlat(coin: string): void {
    this.flattenFailures.delete(coin);
  }

  /** Slippage of a fill beyond its own allowance bound (bps, positive = worse than the bound). */
  onSlippage(excessBps: number): string | null {
    if (excessBps > this.cfg.slippageExcessBps) this.extremeSlippageStreak++;
    else this.extremeSlippageStreak = 0;
    if (this.cfg.maxExtremeSlippageFills > 0 && this.extremeSlippageStreak >= this.cfg.maxExtremeSlippageFills) {
      return `slippage beyond allowance by > ${this.cfg.slippageExcessBps} bps on ${this.extremeSlippageStreak} fills`;
    }
    return null;
  }

  onConnection(connected: boolean, nowMs: number): void {
    if (connected) this.disconnectedSinceMs = null;
    else this.disconnectedSinceMs ??= nowMs;
  }

  /** Time-based triggers, checked on every timer. */
  checkTime(nowMs: number, hasPosition: boolean): string | null {
    if (this.disconnectedSinceMs !== null && hasPosition && this.cfg.maxDisconnectedWithPositionMs > 0) {
      const d = nowMs - this.disconnectedSinceMs;
      if (d > this.cfg.maxDisconnectedWithPositionMs) return `disconnected ${d} ms with open positions`;
    }
    return null;
  }

  /** Operator reset: a fresh start for every counter (else the first event re-triggers). */
  reset(): void {
    this.cumulativePnlUsd = 0;
    this.consecutiveLosses = 0;
    this.rejectionTimes = [];
    this.flattenFailures.clear();
    this.extremeSlippageStreak = 0;
  }
}
