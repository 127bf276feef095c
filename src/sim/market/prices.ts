// The venue's perp price grid (hyperliquid-protocol.md §2.4), as numbers the agents can step along.
// Formatting itself is the protocol layer's (formatPrice/formatSize); this adds what agents need on top:
// the tick at a price and the next valid price away.
import { formatPrice, formatSize, priceTickExponent } from '../../protocol/format.ts';

export type Rounding = 'down' | 'up' | 'nearest';

/** Distance between adjacent valid prices at px. */
export function tickSize(px: number, szDecimals: number): number {
  return 10 ** priceTickExponent(px, szDecimals, 'perp');
}

/** The valid price nearest px in the given direction, as a number. */
export function snapPrice(px: number, szDecimals: number, rounding: Rounding): number {
  return Number(formatPrice(px, szDecimals, 'perp', rounding));
}

/** The valid price `ticks` grid steps away from a valid price (negative = down). */
export function stepPrice(px: number, szDecimals: number, ticks: number): number {
  let p = px;
  const dir = ticks >= 0 ? 1 : -1;
  for (let i = 0; i < Math.abs(ticks); i++) {
    // below a power of ten the grid is the finer one of the lower decade
    const tick = tickSize(dir > 0 ? p : p * (1 - 1e-9), szDecimals);
    p = snapPrice(p + dir * tick, szDecimals, 'nearest');
  }
  return p;
}

/** Wire string of a price already on the grid. */
export function priceToWire(px: number, szDecimals: number): string {
  return formatPrice(px, szDecimals, 'perp', 'nearest');
}

/** Size truncated to the lot as a number (0 when below one lot). */
export function truncateSize(sz: number, szDecimals: number): number {
  const scale = 10 ** szDecimals;
  return Math.floor(sz * scale + 1e-7) / scale;
}

/** Wire string of a size (truncated to the lot). */
export function sizeToWire(sz: number, szDecimals: number): string {
  return formatSize(sz, szDecimals);
}

/**
 * The smallest lot-aligned size at px whose notional is at least minNotional (the venue rejects orders
 * under 10 USDC; agents use a small margin above it).
 */
export function minSizeFor(px: number, szDecimals: number, minNotional: number): number {
  const lot = 10 ** -szDecimals;
  const scale = 10 ** szDecimals;
  return Math.max(lot, Math.ceil((minNotional / px) * scale - 1e-7) / scale);
}
