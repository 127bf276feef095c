// l2Book aggregation for subscriptions with `nSigFigs` (and `mantissa`): levels are merged into buckets of
// the given significant figures, bids rounded down and asks rounded up, as the venue's aggregated books.
import type { L2BookData, WireLevel } from '../exchange/types.ts';

function decimalsOf(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Sum of decimal strings without float noise. */
function sumDecimals(values: string[]): string {
  let d = 0;
  for (const v of values) d = Math.max(d, decimalsOf(v));
  const scale = 10 ** d;
  let total = 0;
  for (const v of values) total += Math.round(Number(v) * scale);
  return trimZeros((total / scale).toFixed(d));
}

function trimZeros(s: string): string {
  if (s.indexOf('.') < 0) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

/** The bucket price of `px` at `nSigFigs` significant figures (step × mantissa), as a wire string. */
export function bucketPx(px: string, nSigFigs: number, mantissa: number | null, side: 'bid' | 'ask'): string {
  const p = Number(px);
  if (!(p > 0)) return px;
  const exponent = Math.floor(Math.log10(p)) - nSigFigs + 1;
  const stepDecimals = Math.max(0, -exponent);
  // Work in integer units of 10^exponent to avoid float drift.
  const unit = 10 ** exponent;
  const m = mantissa ?? 1;
  const units = p / unit;
  const eps = 1e-9;
  let bucket = side === 'bid' ? Math.floor(units / m + eps) * m : Math.ceil(units / m - eps) * m;
  if (bucket <= 0) bucket = m;
  const value = bucket * unit;
  // Never finer than the native price: a bucket finer than the level's own decimals is the level itself.
  if (stepDecimals > decimalsOf(px) && m === 1) return px;
  return trimZeros(value.toFixed(stepDecimals));
}

function aggregateSide(levels: WireLevel[], nSigFigs: number, mantissa: number | null, side: 'bid' | 'ask'): WireLevel[] {
  const out: WireLevel[] = [];
  let px: string | null = null;
  let sizes: string[] = [];
  let n = 0;
  for (const level of levels) {
    const b = bucketPx(level.px, nSigFigs, mantissa, side);
    if (b !== px) {
      if (px !== null) out.push({ px, sz: sumDecimals(sizes), n });
      px = b;
      sizes = [];
      n = 0;
    }
    sizes.push(level.sz);
    n += level.n;
  }
  if (px !== null) out.push({ px, sz: sumDecimals(sizes), n });
  return out;
}

export function aggregateBook(book: L2BookData, nSigFigs: number | null, mantissa: number | null): L2BookData {
  if (nSigFigs === null) return book;
  return {
    coin: book.coin,
    time: book.time,
    levels: [aggregateSide(book.levels[0], nSigFigs, mantissa, 'bid'), aggregateSide(book.levels[1], nSigFigs, mantissa, 'ask')],
  };
}
