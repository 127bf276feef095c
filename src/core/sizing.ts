// Entry sizing and IOC limit prices. Every size leaves through formatSize and every price through
// formatPrice (design principle 7); the min-notional floor is applied after every multiplier and re-checked
// after lot rounding (L15, incidents #25, #29).
import { formatPrice, formatSize } from '../protocol/index.ts';
import type { MarketTuning } from './config.ts';

/** 0 at or below min, 1 at or above normal, linear in between. */
export function liquidityFactor(bookNotionalUsd: number, minUsd: number, normalUsd: number): number {
  if (!(bookNotionalUsd > minUsd)) return 0;
  if (bookNotionalUsd >= normalUsd) return 1;
  return (bookNotionalUsd - minUsd) / (normalUsd - minUsd);
}

export type SizingResult =
  | { ok: true; size: string; sizeNum: number; liquidityFactor: number }
  | { ok: false; reason: 'BookTooThin' | 'BelowMinAfterCaps'; liquidityFactor: number };

/**
 * Size of an entry: touchSz × alpha × liquidity factor × multiplier, capped by maxOrderNotionalUsd at
 * max(mark, limit) and floored at minOrderNotionalUsd at min(mark, limit) — the floor last, so no multiplier
 * can push an order under the venue minimum. Truncated to the lot by formatSize; if that lands under the
 * floor, rounded UP one lot and the cap re-checked.
 */
export function sizeEntry(
  touchPx: number,
  touchSz: number,
  markPx: number,
  limitPx: number,
  szDecimals: number,
  t: MarketTuning,
  multiplier: number,
): SizingResult {
  const liq = liquidityFactor(touchPx * touchSz, t.minBookNotionalUsd, t.normalBookNotionalUsd);
  if (liq === 0) return { ok: false, reason: 'BookTooThin', liquidityFactor: 0 };
  const capPx = Math.max(markPx , limitPx);
  const floorPx = markPx > 0 && markPx < limitPx ? markPx : limitPx;
  const capSz = t.maxOrderNotionalUsd / capPx;
  const minSz = t.minOrderNotionalUsd / floorPx;
  let sz = touchSz * t.sizingAlpha * liq * multiplier;
  if (sz > capSz) sz = capSz;
  if (sz < minSz) sz = minSz;
  const lot = 10 ** -szDecimals;
  let lots = Math.floor(sz / lot + 1e-9);
  if (lots * lot < minSz * (1 - 1e-12)) lots = Math.ceil(minSz / lot - 1e-9);
  if (lots <= 0) lots = 1;
  const s = formatSize(lots * lot, szDecimals);
  const n = Number(s);
  if (n < minSz * (1 - 1e-12) || n > capSz * (1 + 1e-12)) return { ok: false, reason: 'BelowMinAfterCaps', liquidityFactor: liq };
  return { ok: true, size: s, sizeNum: n, liquidityFactor: liq };
}

/**
 * IOC limit price that crosses: the most aggressive valid price within the allowance `boundPx`
 * (buy: ≤ bound, sell: ≥ bound) and never less aggressive than the touch. Returns null when no valid price
 * satisfies both (the touch rounded away already exceeds the allowance).
 */
export function takerLimitPx(isBuy: boolean, touchPx: number, boundPx: number, szDecimals: number): string | null {
  if (!(touchPx > 0) || !(boundPx > 0)) return null;
  if (isBuy) {
    if (boundPx < touchPx) return null;
    let s = formatPrice(boundPx, szDecimals, 'perp', 'down');
    if (Number(s) < touchPx) s = formatPrice(touchPx, szDecimals, 'perp', 'up');
    return Number(s) <= boundPx * (1 + 1e-12) ? s : null;
  }
  if (boundPx > touchPx) return null;
  let s = formatPrice(boundPx, szDecimals, 'perp', 'up');
  if (Number(s) > touchPx) s = formatPrice(touchPx, szDecimals, 'perp', 'down');
  return Number(s) >= boundPx * (1 - 1e-12) ? s : null;
}

/**
 * Entry allowance bound: the touch plus the slippage allowance, and never past the price where the net
 * edge after fees would fall under the minimum ("oracle-side" limit: fair × (1 ∓ (2 fee + min net))).
 */
export function entryBoundPx(isBuy: boolean, touchPx: number, fair: number, t: MarketTuning): number {
  const keep = (2 * t.takerFeeBps + t.minNetEdgeBps) / 1e4;
  if (isBuy) return Math.min(touchPx * (1 + t.entrySlippageBps / 1e4), fair * (1 - keep));
  return Math.max(touchPx * (1 - t.entrySlippageBps / 1e4), fair * (1 + keep));
}

/** Exit allowance for attempt n (0-based): widening by step per failed attempt, capped. */
export function exitSlippageBps(t: MarketTuning, attempt: number): number {
  return Math.min(t.exitSlippageMaxBps, t.exitSlippageBps + attempt * t.exitSlippageStepBps);
}
